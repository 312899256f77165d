import { createProgress, ExitCode, openAppDatabase, runJob } from "@certs/app-kit";
import { openDataSource } from "@certs/db";
import { certEntity, exportCerts, type ExportSummary, type SkipReason } from "@certs/ct-export";
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
      retryForMs: options.retryFor * 1000,
      signal,
      logger,
      ...(options.maxBatches === undefined ? {} : { maxBatches: options.maxBatches }),
      ...(options.maxRowsPerSecond === undefined ? {} : { maxRowsPerSecond: options.maxRowsPerSecond }),
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
  for (const [reason, ids] of skippedByReason(summary)) {
    lines.push(`  left in the table (${SKIP_REASONS[reason]}): ids ${ids.join(", ")}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

const SKIP_REASONS: Readonly<Record<SkipReason, string>> = {
  unreadable_value: "a value could not be read whole, e.g. longer than max_allowed_packet",
  inexact_ct_index: "ct_index is NULL or not an exact integer",
  delete_failed: "written, delete failed; the next run in this directory deletes them",
  held_back: "held back: a journal entry of another output directory covers them",
};

/** Skipped ids grouped by reason (held-back ones with their owner), in the order met. */
function skippedByReason(summary: ExportSummary): Map<SkipReason, string[]> {
  const groups = new Map<SkipReason, string[]>();
  for (const row of summary.skipped) {
    const ids = groups.get(row.reason) ?? [];
    ids.push(row.owner === undefined ? row.id : `${row.id} (${row.owner.host}:${row.owner.directory})`);
    groups.set(row.reason, ids);
  }
  return groups;
}
