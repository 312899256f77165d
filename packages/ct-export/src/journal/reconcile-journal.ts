import { silentLogger, type Logger, type RetryPolicy } from "@certs/db";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { DataSource } from "typeorm";
import { deleteIds } from "../claimed-batch.js";
import { inspectCertsTable, type CertsTableShape } from "../certs-table-columns.js";
import { budgetedRunner, DEFAULT_RETRY_FOR_MS } from "../export/retry-budget.js";
import { ExportJournal } from "./export-journal.js";

/** Where the journal is and how to reach the table. */
export interface ReconcileJournalOptions {
  readonly outputDir: string;
  /** Default `certs`. */
  readonly table?: string;
  readonly logger?: Logger;
  /** How long transient database errors are retried (default 120000 ms, as for `exportCerts`). */
  readonly retryForMs?: number;
  readonly retryPolicy?: RetryPolicy;
  readonly signal?: AbortSignal;
}

/**
 * Settles what ended export runs left in `<outputDir>/.journal` without exporting anything: batches whose
 * file was published get their rows deleted, the others are dropped. `exportCerts` does this at start-up
 * too; this is for operators who want it on its own (for example before inspecting the table).
 */
export async function reconcileJournal(
  dataSource: DataSource,
  options: ReconcileJournalOptions,
): Promise<Result<ReconcileSummary, AppError>> {
  const shape = await inspectCertsTable(dataSource, options.table ?? "certs");
  if (!shape.ok) return shape;
  let journal: ExportJournal;
  try {
    journal = await ExportJournal.open(options.outputDir);
  } catch (error) {
    return err(
      appError(ErrorCode.FILE_ERROR, `Cannot open the journal in ${options.outputDir}.`, { cause: error }),
    );
  }
  const logger = options.logger ?? silentLogger;
  const runStep = budgetedRunner({
    retryForMs: options.retryForMs ?? DEFAULT_RETRY_FOR_MS,
    ...(options.retryPolicy === undefined ? {} : { policy: options.retryPolicy }),
    logger,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return reconcileOrphans(dataSource, shape.value, journal, runStep, logger);
}

/** What reconciling a journal did. */
export interface ReconcileSummary {
  /** Entries whose file had been published: their rows were deleted (if still there). */
  readonly publishedBatches: number;
  readonly deletedRows: number;
  /** Entries whose file was never published: dropped, their rows stay to be exported again. */
  readonly discardedBatches: number;
  /** Temp files and half-written entries of ended runs that no entry referred to. */
  readonly leftoversRemoved: number;
}

/** Runs a database step with the caller's retry policy. */
export type RetryingRunner = <T>(step: () => Promise<Result<T, AppError>>) => Promise<Result<T, AppError>>;

/**
 * Finishes what ended runs (crashed, killed, or stopped with a failed delete) left in the journal: an entry
 * whose temp file has a second link was published, so its ids are deleted, then the entry dropped; an entry
 * whose file was never published is dropped and its rows exported again later. Entries of live runs are
 * left alone. The first database failure stops it (the entry stays for next time).
 */
export async function reconcileOrphans(
  dataSource: DataSource,
  shape: CertsTableShape,
  journal: ExportJournal,
  runStep: RetryingRunner,
  logger: Logger = silentLogger,
): Promise<Result<ReconcileSummary, AppError>> {
  let publishedBatches = 0;
  let deletedRows = 0;
  let discardedBatches = 0;
  try {
    for (const log of await journal.orphanedLogs()) {
      for (const entry of log.entries) {
        const state = await journal.state(entry);
        if (state === "vanished") continue;
        if (state === "published") {
          const deleted = await runStep(() => deleteIds(dataSource, shape, entry.ids));
          if (!deleted.ok) return deleted;
          deletedRows += deleted.value;
          publishedBatches += 1;
          logger.info(
            { batch: entry.batch, file: entry.file, ids: entry.ids.length, deleted: deleted.value },
            "reconciled a published batch left by an ended run: its rows are deleted",
          );
        } else {
          discardedBatches += 1;
          logger.info(
            { batch: entry.batch, ids: entry.ids.length },
            "dropped an unpublished batch left by an ended run: its rows will be exported again",
          );
        }
        await journal.settle(entry);
      }
      await journal.removeLog(log.name);
    }
    const leftoversRemoved = await journal.sweepLeftovers();
    return ok({ publishedBatches, deletedRows, discardedBatches, leftoversRemoved });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return err(
      appError(ErrorCode.FILE_ERROR, `Cannot reconcile the export journal in ${journal.dir}: ${reason}.`, {
        cause: error,
      }),
    );
  }
}
