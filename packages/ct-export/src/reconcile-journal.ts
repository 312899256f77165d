import { defaultRetryPolicy, retry, silentLogger, type Logger, type RetryPolicy } from "@certs/db";
import { appError, err, ErrorCode, type AppError, type Result } from "@certs/result";
import type { DataSource } from "typeorm";
import { inspectCertsTable } from "./certs-table-columns.js";
import { ExportJournal } from "./export-journal.js";
import { reconcileOrphans, type ReconcileSummary } from "./journal-reconcile.js";

/** Where the journal is and how to reach the table. */
export interface ReconcileJournalOptions {
  readonly outputDir: string;
  /** Default `certs`. */
  readonly table?: string;
  readonly logger?: Logger;
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
  const policy = options.retryPolicy ?? defaultRetryPolicy;
  const logger = options.logger ?? silentLogger;
  const signal = options.signal;
  return reconcileOrphans(
    dataSource,
    shape.value,
    journal,
    (step) => retry(policy, () => step(), { logger, ...(signal === undefined ? {} : { signal }) }),
    logger,
  );
}
