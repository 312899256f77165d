import { createProgress, ExitCode, runJob } from "@certs/app-kit";
import { exportCerts, type ExportSummary, type SkipReason } from "@certs/ct-export";
import { redactUrl } from "@certs/db";
import { err, ok } from "@certs/result";
import { openCertsDatabase } from "./certs-database.js";
import { exportSettings } from "./settings.js";

/** `certs-ct-export run`: returns the exit code. */
export async function runExport(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  return runJob(exportSettings(flags, env), async (options, { logger, signal, defer }) => {
    const opened = await openCertsDatabase(options, 4, { logger, defer });
    if (!opened.ok) return opened;
    const { dataSource, description } = opened.value;

    const progress = createProgress({ label: "exporting", unit: "rows", logger });
    const count = await dataSource
      .query(`SELECT COUNT(*) AS n FROM ${options.table}`)
      .then((rows: { n: string | number }[]) => Number(rows[0]?.n ?? 0))
      .catch(() => 0);
    progress.setTotal(count);
    const replica =
      options.checkReplica === undefined || options.maxLag === undefined
        ? undefined
        : { replica: options.checkReplica, maxLagSeconds: options.maxLag };
    logger.info(
      {
        database: description,
        rows: count,
        output: options.output,
        ...(replica === undefined
          ? {}
          : { replica: redactUrl(replica.replica), maxLag: replica.maxLagSeconds }),
      },
      "export starting",
    );
    const result = await exportCerts(dataSource, {
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
      // Pauses and resumes are logged by the library on `logger`, one line each.
      ...(replica === undefined ? {} : { checkReplica: replica }),
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
