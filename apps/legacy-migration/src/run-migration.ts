import { createProgress, ExitCode, openAppDatabase, runJob } from "@certs/app-kit";
import {
  mappingFilePaths,
  migrateCertificates,
  migrateInteractively,
  type MigrationFailure,
  type MigrationSummary,
} from "@certs/legacy-migration";
import { appError, ErrorCode, err, ok, type Result } from "@certs/result";
import { demoDatabaseNames, prepareDemoDatabases } from "./demo-databases.js";
import { askOperator, lineAnswers } from "./interactive-prompt.js";
import { legacySpec, openSources } from "./open-sources.js";
import { migrateSettings } from "./settings.js";

/** `certs-legacy-migrate`: returns the exit code. */
export async function runMigration(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  return runJob(migrateSettings(flags, env), async (options, { logger, signal, defer }) => {
    const mode = options.mode ?? (process.stdin.isTTY ? "interactive" : "auto");
    const givenLegacy = options.legacyDb === undefined ? undefined : legacySpec(options.legacyDb);
    if (givenLegacy !== undefined && !givenLegacy.ok) return givenLegacy;
    const database = await openAppDatabase(options.db, { dataDir: options.dataDir, logger });
    if (!database.ok) return database;
    defer(() => database.value.close());

    let specs = { legacy: givenLegacy?.value, destination: database.value.spec };
    if (options.demo !== undefined) {
      const demo = await prepareDemoDatabases(database.value.spec, options.demo, options.mappings, logger);
      if (!demo.ok) return demo;
      specs = demo.value;
      const names = demoDatabaseNames(database.value.spec);
      process.stdout.write(
        `Demo: ${options.demo} generated legacy certificates in ${names.legacy}, migrating into ${names.destination} (${database.value.description}).\n`,
      );
    }
    if (specs.legacy === undefined)
      return err(appError(ErrorCode.CONFIGURATION_ERROR, "--legacy-db is required."));
    const sources = await openSources(specs.legacy, specs.destination, options.workers, { logger, defer });
    if (!sources.ok) return sources;

    const common = {
      mappingFiles: mappingFilePaths(options.mappings),
      timeZone: options.timeZone,
      dryRun: options.dryRun,
      retryFailed: options.retryFailed,
      reportPath: options.report,
      ...(options.rejects === undefined ? {} : { rejectsPath: options.rejects }),
      signal,
      logger,
      ...(options.ecu === undefined ? {} : { ecu: options.ecu }),
      ...(options.ids === undefined ? {} : { ids: options.ids }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    };
    let result: Result<MigrationSummary, MigrationFailure>;
    // Ctrl+C in the prompt or the end of the answers ends the run as an interrupt (130), not as a success.
    let interrupted = false;
    if (mode === "interactive") {
      const decide = process.stdin.isTTY ? askOperator : lineAnswers(process.stdin);
      // An answer pipe still open (the run ended by Ctrl+C or exit) must not keep the process alive.
      if (!process.stdin.isTTY)
        defer(() => {
          process.stdin.destroy();
        });
      result = await migrateInteractively(sources.value, {
        ...common,
        decide: async (step) => {
          try {
            // Ctrl+C while the prompt waits ends the wait: the answer is "exit", the run ends as interrupted.
            const choice = await untilAborted(decide(step), signal);
            if (choice === "end") interrupted = true;
            return choice === "end" ? "exit" : choice;
          } catch (error) {
            interrupted = true;
            throw error;
          }
        },
      });
    } else {
      const progress = createProgress({ label: "migrating", unit: "certificates", logger });
      result = await migrateCertificates(sources.value, {
        ...common,
        ...(options.maxRate === undefined ? {} : { maxRate: options.maxRate }),
        workers: options.workers,
        groupSize: options.groupSize,
        onProgress: (p) => {
          progress.setTotal(p.total);
          progress.update(p.processed, { ok: p.migrated, failed: p.failed });
        },
      });
      progress.stop();
    }
    if (!result.ok) {
      // The run may have committed everything before its report failed: say what was done, then the error.
      if (result.error.details?.summary) printSummary(result.error.details.summary, options.json);
      return err(result.error);
    }
    printSummary(result.value, options.json);
    if (interrupted) return ok(ExitCode.INTERRUPTED);
    return ok(result.value.failed === 0 ? ExitCode.OK : ExitCode.FAILED);
  });
}

function printSummary(summary: MigrationSummary, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const lines = [
    `${summary.dryRun ? "Dry run (nothing written): " : ""}${summary.total} certificates: ${summary.migrated} migrated, ${summary.failed} failed, ${skippedText(summary)} (${(summary.successRate * 100).toFixed(1)}% success)`,
    `  ${summary.ratePerSecond.toFixed(0)} certificates/s over ${(summary.elapsedMs / 1000).toFixed(1)} s, ${summary.warnings} warnings, ${summary.stopReason}`,
  ];
  if (summary.lastFailed) {
    lines.push(`  last failed: legacy id ${summary.lastFailed.legacyId}: ${summary.lastFailed.message}`);
  }
  if (summary.reportPath) lines.push(`  report: ${summary.reportPath}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

function skippedText(summary: MigrationSummary): string {
  if (summary.skippedByOperator === 0) return `${summary.alreadyMigrated} already migrated`;
  return `${summary.alreadyMigrated} already migrated, ${summary.skippedByOperator} skipped by the operator`;
}

/** `answer`, or "end" as soon as `signal` aborts (the pending answer is then ignored). */
function untilAborted<T>(answer: Promise<T>, signal: AbortSignal): Promise<T | "end"> {
  if (signal.aborted) return Promise.resolve("end");
  return new Promise((resolve, reject) => {
    const stop = (): void => resolve("end");
    signal.addEventListener("abort", stop, { once: true });
    answer.then(
      (value) => {
        signal.removeEventListener("abort", stop);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", stop);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
