import {
  DATABASE_SETTINGS,
  databaseUrl,
  ExitCode,
  JSON_SETTING,
  LOGGING_SETTINGS,
  runJob,
  settingsReader,
} from "@certs/app-kit";
import { readLastSyncChanges } from "@certs/icao-sync";
import { ok } from "@certs/result";
import { z } from "zod";
import { formatLastSyncChanges } from "./change-summary.js";
import { escapeOutputLines, terminalJson } from "./terminal-text.js";
import { openTrustStoreDatabase } from "./trust-store-database.js";

const diffSchema = z.object({
  ...LOGGING_SETTINGS,
  ...DATABASE_SETTINGS,
  db: databaseUrl({ postgresOnly: true }).optional(),
  ...JSON_SETTING,
});

/** `diff`: the database and `--json`. */
const diffSettings = settingsReader(diffSchema, {});

/** `certs-icao-sync diff`: prints what the last successful sync changed; returns the exit code. */
export async function runDiff(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  return runJob(diffSettings(flags, env), async (options, context) => {
    // Reading only: the schema is left as it is (a store never synced has nothing to show).
    const database = await openTrustStoreDatabase(options, context, false);
    if (!database.ok) return database;
    const last = await readLastSyncChanges(database.value.pool);
    if (!last.ok) return last;
    process.stdout.write(
      options.json
        ? `${terminalJson(last.value)}\n`
        : `${escapeOutputLines(formatLastSyncChanges(last.value, database.value.description))}\n`,
    );
    return ok(ExitCode.OK);
  });
}
