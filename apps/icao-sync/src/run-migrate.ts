import { createAppLogger, ExitCode } from "@certs/app-kit";
import { migrateTrustStore, TRUST_STORE_SCHEMA_VERSION } from "@certs/icao-sync";
import { reportFailure } from "./failure-report.js";
import { migrateSettings } from "./settings.js";
import { openTrustStoreDatabase } from "./trust-store-database.js";

/** `certs-icao-sync migrate`: returns the exit code. */
export async function runMigrate(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const settings = migrateSettings(flags, env);
  if (!settings.ok) return reportFailure(settings.error, false);
  const options = settings.value;
  const logger = createAppLogger({ level: options.logLevel });
  const database = await openTrustStoreDatabase(options.db, {
    dataDir: options.dataDir,
    logger,
    migrate: false,
  });
  if (!database.ok) return reportFailure(database.error, options.verbose);
  try {
    const migrated = await migrateTrustStore(database.value.pool);
    if (!migrated.ok) return reportFailure(migrated.error, options.verbose);
    const { applied } = migrated.value;
    process.stdout.write(
      applied.length === 0
        ? `Trust-store schema already at version ${TRUST_STORE_SCHEMA_VERSION} in ${database.value.description}; nothing to do.\n`
        : `Trust-store schema migrated to version ${TRUST_STORE_SCHEMA_VERSION} in ${database.value.description} (applied ${applied.join(", ")}).\n`,
    );
    return ExitCode.OK;
  } finally {
    await database.value.close();
  }
}
