import { createProgress, ExitCode, openAppDatabase, runJob } from "@certs/app-kit";
import { openDataSource } from "@certs/db";
import { certEntity, exportCerts, type ExportSummary } from "@certs/ct-export";
import { err, ok } from "@certs/result";
import { exportSettings } from "./settings.js";

/** `certs-ct-export run`: returns the exit code. */
export async function runExport(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  return runJob(exportSettings(flags, env), async (options, { logger, signal, defer }) => {
    const database = await openAppDatabase(options.db, { dataDir: options.dataDir, logger });
    if (!database.ok) return database;
    defer(() => database.value.close());
    const dataSource = await openDataSource(database.value.spec, {
      entities: [certEntity(options.table)],
      poolSize: 4,
      logger,
    });
    if (!dataSource.ok) return dataSource;
    defer(() => dataSource.value.destroy());

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
      signal,
      logger,
      ...(options.maxBatches === undefined ? {} : { maxBatches: options.maxBatches }),
      onBatch: (batch) => progress.update(batch.totalRows, { files: batch.batch }),
    });
    progress.stop();
    if (!result.ok) {
      if (result.error.details?.summary) printSummary(result.error.details.summary, options.json);
      return err(result.error);
    }
    printSummary(result.value, options.json);
    return ok(result.value.skippedIds.length === 0 ? ExitCode.OK : ExitCode.FAILED);
  });
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
