import { ExitCode, runJob } from "@certs/app-kit";
import { migrateTrustStore, TRUST_STORE_SCHEMA_VERSION } from "@certs/icao-sync";
import { ok } from "@certs/result";
import { migrateSettings } from "./settings.js";
import { openTrustStoreDatabase } from "./trust-store-database.js";

/** `certs-icao-sync migrate`: returns the exit code. */
export async function runMigrate(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  return runJob(migrateSettings(flags, env), async (options, context) => {
    const database = await openTrustStoreDatabase(options, context, false);
    if (!database.ok) return database;
    const migrated = await migrateTrustStore(database.value.pool);
    if (!migrated.ok) return migrated;
    const { applied } = migrated.value;
    process.stdout.write(
      applied.length === 0
        ? `Trust-store schema already at version ${TRUST_STORE_SCHEMA_VERSION} in ${database.value.description}; nothing to do.\n`
        : `Trust-store schema migrated to version ${TRUST_STORE_SCHEMA_VERSION} in ${database.value.description} (applied ${applied.join(", ")}).\n`,
    );
    return ok(ExitCode.OK);
  });
}
