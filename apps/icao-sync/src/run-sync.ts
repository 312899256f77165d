import { ExitCode, runJob } from "@certs/app-kit";
import type { Logger } from "@certs/db";
import { type SyncInput, type SyncOptions, syncTrustStore } from "@certs/icao-sync";
import { err, ErrorCode, ok } from "@certs/result";
import { withCommandLineHint } from "./command-line-hint.js";
import { downloadOptions, type SyncSettings, syncSettings } from "./settings.js";
import { formatSyncSummary } from "./sync-summary.js";
import { terminalJson } from "./terminal-text.js";
import { openTrustStoreDatabase, type TrustStoreDatabase } from "./trust-store-database.js";

/** What the settings ask the pipeline to read. */
export function syncInput(settings: SyncSettings): SyncInput {
  return {
    masterLists: settings.source,
    ldif: settings.ldif,
    crls: settings.crl,
    trustAnchors: settings.trustAnchor,
    cscas: settings.csca,
    deviationLists: settings.deviationList,
  };
}

/** The pipeline options the settings ask for (the caller adds its abort signal). */
export function syncOptions(settings: SyncSettings, logger: Logger): Omit<SyncOptions, "signal"> {
  return {
    verify: settings.verify,
    allowUnanchored: settings.allowUnanchored,
    strict: settings.strict,
    allowCrlRollback: settings.allowCrlRollback,
    keepUnverifiableDsc: settings.keepUnverifiableDsc,
    excludeNonConformant: settings.excludeNonConformant,
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
  return runJob(syncSettings(flags, env), async (options, context) => {
    const { logger, signal } = context;
    let database: TrustStoreDatabase | undefined;
    // A dry run needs no database: it only reads and verifies the sources.
    if (!options.dryRun) {
      const opened = await openTrustStoreDatabase(options, context, true);
      if (!opened.ok) return opened;
      database = opened.value;
      logger.info({ database: database.description }, "trust-store database ready");
    }
    const outcome = await syncTrustStore(database?.pool, syncInput(options), {
      ...syncOptions(options, logger),
      signal,
    });
    if (!outcome.ok) {
      if (signal.aborted && outcome.error.code === ErrorCode.CANCELLED) {
        process.stderr.write("Interrupted: nothing was written.\n");
        return ok(ExitCode.INTERRUPTED);
      }
      return err(withCommandLineHint(outcome.error));
    }
    process.stdout.write(
      options.json
        ? `${terminalJson(outcome.value)}\n`
        : `${formatSyncSummary(outcome.value, { countries: options.verbose })}\n`,
    );
    return ok(ExitCode.OK);
  });
}
