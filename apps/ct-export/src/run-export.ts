import {
  createAppLogger,
  createProgress,
  ExitCode,
  formatFailure,
  handleInterrupts,
  openAppDatabase,
} from "@certs/app-kit";
import { openDataSource } from "@certs/db";
import { certEntity, exportCerts, type ExportSummary } from "@certs/ct-export";
import { ErrorCode, type AppError } from "@certs/result";
import { exportSettings } from "./settings.js";

const USAGE_CODES: readonly string[] = [ErrorCode.CONFIGURATION_ERROR, ErrorCode.VALIDATION_ERROR];

/** `certs-ct-export run`: returns the exit code. */
export async function runExport(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const settings = exportSettings(flags, env);
  if (!settings.ok) {
    process.stderr.write(`${formatFailure(settings.error)}\n`);
    return ExitCode.USAGE;
  }
  const options = settings.value;
  const logger = createAppLogger({ level: options.logLevel });
  const fail = (error: AppError): number => {
    process.stderr.write(`${formatFailure(error, options.verbose)}\n`);
    return USAGE_CODES.includes(error.code) ? ExitCode.USAGE : ExitCode.FAILED;
  };

  const database = await openAppDatabase(options.db, { dataDir: options.dataDir, logger });
  if (!database.ok) return fail(database.error);
  const interrupts = handleInterrupts(() => void database.value.close());
  try {
    const dataSource = await openDataSource(database.value.spec, {
      entities: [certEntity(options.table)],
      poolSize: 4,
      logger,
    });
    if (!dataSource.ok) return fail(dataSource.error);
    try {
      const progress = createProgress({ label: "exporting", unit: "rows", logger });
      const count = await dataSource.value
        .query(`SELECT COUNT(*) AS n FROM ${options.table}`)
        .then((rows: { n: string | number }[]) => Number(rows[0]?.n ?? 0))
        .catch(() => 0);
      progress.setTotal(count);
      logger.info(
        { database: database.value.description, rows: count, output: options.output },
        "export starting",
      );
      const result = await exportCerts(dataSource.value, {
        outputDir: options.output,
        batchSize: options.batchSize,
        sleepMs: options.sleepMs,
        once: options.once,
        follow: options.follow,
        dryRun: options.dryRun,
        table: options.table,
        signal: interrupts.signal,
        logger,
        ...(options.maxBatches === undefined ? {} : { maxBatches: options.maxBatches }),
        onBatch: (batch) => progress.update(batch.totalRows, { files: batch.batch }),
      });
      progress.stop();
      if (!result.ok) {
        const summary = result.error.details?.summary as ExportSummary | undefined;
        if (summary) printSummary(summary, options.json);
        return fail(result.error);
      }
      printSummary(result.value, options.json);
      if (result.value.stoppedBy === "aborted") return interrupts.exitCode() ?? ExitCode.INTERRUPTED;
      return result.value.skippedIds.length === 0 ? ExitCode.OK : ExitCode.FAILED;
    } finally {
      await dataSource.value.destroy().catch(() => {});
    }
  } finally {
    interrupts.dispose();
    await database.value.close();
  }
}

function printSummary(summary: ExportSummary, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const lines = [
    `${summary.dryRun ? "Dry run: wrote" : "Exported"} ${summary.rows} rows in ${summary.files} files (${summary.bytes} bytes) to ${summary.outputDir}`,
    `  ${summary.rowsPerSecond} rows/s over ${(summary.elapsedMs / 1000).toFixed(1)} s, ${summary.retries} retries, stopped: ${summary.stoppedBy}`,
  ];
  if (summary.reconciled.publishedBatches > 0 || summary.reconciled.discardedBatches > 0) {
    lines.push(
      `  from earlier runs: ${summary.reconciled.publishedBatches} published batches settled (${summary.reconciled.deletedRows} rows deleted), ${summary.reconciled.discardedBatches} unpublished batches discarded`,
    );
  }
  if (summary.skippedIds.length > 0) {
    lines.push(
      `  left in the table (written, delete failed; the next run deletes them): ids ${summary.skippedIds.join(", ")}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}
