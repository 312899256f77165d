import { silentLogger, type Logger, type RetryPolicy } from "@certs/db";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { DataSource } from "typeorm";
import { deleteIds } from "../claimed-batch.js";
import { inspectCertsTable, type CertsTableShape } from "../certs-table-columns.js";
import { budgetedRunner, DEFAULT_RETRY_FOR_MS, type StepRunner } from "../export/retry-budget.js";
import { DatabaseJournal } from "./database-journal.js";
import { ExportJournal } from "./export-journal.js";
import { isOwnerAlive, ownerOfBatch } from "./journal-owner.js";
import { journalPlace } from "./journal-place.js";

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
 * Settles, without exporting anything, what ended export runs into `outputDir` (on this host) left open in
 * the database journal (and, from older versions, in `<outputDir>/.journal`): batches whose file was
 * published get their rows deleted, the others are dropped and their rows exported again by a later run.
 * `exportCerts` does this at start-up too; this is for operators, for example to release rows that other
 * directories' exporters hold back (`certs-ct-export reconcile --output DIR`). The user needs the journal
 * privileges (else a CONFIGURATION_ERROR).
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
  const place = await journalPlace(options.outputDir);
  if (!place.ok) return place;
  const database = await runStep(() => DatabaseJournal.open(dataSource, shape.value, place.value));
  if (!database.ok) return database;
  try {
    return await reconcileDirectory(dataSource, shape.value, journal, database.value, runStep, logger);
  } finally {
    await database.value.close();
    await journal.close().catch(() => undefined);
  }
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

/**
 * Settles this output directory's open entries in the database journal whose run has ended: a published
 * file (its temp file has a second link) gets its rows deleted together with the entry; an entry whose file
 * was never published is forgotten, its rows to be exported again. Then what older versions left in the
 * local `.journal` is reconciled, and stray temp files of ended runs are removed. Entries of live runs, and
 * of other directories or hosts, are left alone. The first database failure stops it.
 */
export async function reconcileDirectory(
  dataSource: DataSource,
  shape: CertsTableShape,
  files: ExportJournal,
  database: DatabaseJournal,
  runStep: StepRunner,
  logger: Logger = silentLogger,
): Promise<Result<ReconcileSummary, AppError>> {
  const entries = await runStep(() => database.entriesOf(database.place));
  if (!entries.ok) return entries;
  let publishedBatches = 0;
  let deletedRows = 0;
  let discardedBatches = 0;
  const keep = new Set<string>();
  try {
    for (const entry of entries.value) {
      const owner = ownerOfBatch(entry.batch);
      if (owner !== undefined && isOwnerAlive(owner)) {
        keep.add(entry.tempName);
        continue;
      }
      const state = await files.state({ temp: entry.tempName });
      if (state === "published") {
        const deleted = await runStep(() => database.settlePublished(entry));
        if (!deleted.ok) return deleted;
        deletedRows += deleted.value;
        publishedBatches += 1;
        logger.info(
          { batch: entry.batch, file: entry.fileName, ids: entry.ids.length, deleted: deleted.value },
          "reconciled a published batch left by an ended run: its rows are deleted",
        );
      } else {
        const forgotten = await runStep(() => database.forget(entry.batch));
        if (!forgotten.ok) return forgotten;
        discardedBatches += 1;
        logger.info(
          { batch: entry.batch, ids: entry.ids.length },
          "dropped an unpublished batch left by an ended run: its rows will be exported again",
        );
      }
      await files.settle({ batch: entry.batch, temp: entry.tempName });
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return err(
      appError(
        ErrorCode.FILE_ERROR,
        `Cannot reconcile the export journal in ${files.outputDir}: ${reason}.`,
        {
          cause: error,
        },
      ),
    );
  }
  const legacy = await reconcileOrphans(dataSource, shape, files, runStep, logger, keep);
  if (!legacy.ok) return legacy;
  return ok({
    publishedBatches: publishedBatches + legacy.value.publishedBatches,
    deletedRows: deletedRows + legacy.value.deletedRows,
    discardedBatches: discardedBatches + legacy.value.discardedBatches,
    leftoversRemoved: legacy.value.leftoversRemoved,
  });
}

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
  runStep: StepRunner,
  logger: Logger = silentLogger,
  keep: ReadonlySet<string> = new Set(),
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
    const leftoversRemoved = await journal.sweepLeftovers(keep);
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
