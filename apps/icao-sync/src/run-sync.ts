import { createAppLogger, ExitCode, handleInterrupts } from "@certs/app-kit";
import type { Logger } from "@certs/db";
import { type SyncInput, type SyncOptions, syncTrustStore } from "@certs/icao-sync";
import { ErrorCode } from "@certs/result";
import { reportFailure } from "./failure-report.js";
import { downloadOptions, type SyncSettings, syncSettings } from "./settings.js";
import { formatSyncSummary } from "./sync-summary.js";
import { openTrustStoreDatabase, type TrustStoreDatabase } from "./trust-store-database.js";

/** What the settings ask the pipeline to read. */
export function syncInput(settings: SyncSettings): SyncInput {
  return {
    masterLists: settings.source,
    ldif: settings.ldif,
    crls: settings.crl,
    trustAnchors: settings.trustAnchor,
  };
}

/** The pipeline options the settings ask for (the caller adds its abort signal). */
export function syncOptions(settings: SyncSettings, logger: Logger): Omit<SyncOptions, "signal"> {
  return {
    verify: settings.verify,
    allowUnanchored: settings.allowUnanchored,
    strict: settings.strict,
    allowCrlRollback: settings.allowCrlRollback,
    dryRun: settings.dryRun,
    allowEmpty: settings.allowEmpty,
    force: settings.force,
    download: downloadOptions(settings),
    logger,
    ...(settings.sourceLabel === undefined ? {} : { sourceLabel: settings.sourceLabel }),
  };
}

/** `certs-icao-sync run`: returns the exit code. */
export async function runSync(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const settings = syncSettings(flags, env);
  if (!settings.ok) return reportFailure(settings.error, false);
  const options = settings.value;
  const logger = createAppLogger({ level: options.logLevel });

  let database: TrustStoreDatabase | undefined;
  const interrupts = handleInterrupts(() => void database?.close());
  try {
    // A dry run needs no database: it only reads and verifies the sources.
    if (!options.dryRun) {
      const opened = await openTrustStoreDatabase(options.db, {
        dataDir: options.dataDir,
        logger,
        migrate: true,
      });
      if (!opened.ok) return reportFailure(opened.error, options.verbose);
      database = opened.value;
      logger.info({ database: database.description }, "trust-store database ready");
    }
    const outcome = await syncTrustStore(database?.pool, syncInput(options), {
      ...syncOptions(options, logger),
      signal: interrupts.signal,
    });
    if (!outcome.ok) {
      const interrupted = interrupts.exitCode();
      if (interrupted !== undefined && outcome.error.code === ErrorCode.CANCELLED) {
        process.stderr.write("Interrupted: nothing was written.\n");
        return interrupted;
      }
      return reportFailure(outcome.error, options.verbose);
    }
    process.stdout.write(
      options.json ? `${JSON.stringify(outcome.value)}\n` : `${formatSyncSummary(outcome.value)}\n`,
    );
    return interrupts.exitCode() ?? ExitCode.OK;
  } finally {
    interrupts.dispose();
    await database?.close();
  }
}
