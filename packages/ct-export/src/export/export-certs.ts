import { abortableSleep, silentLogger } from "@certs/db";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { DataSource } from "typeorm";
import { readBatch, type ClaimedBatch, type ExportableRow } from "../claimed-batch.js";
import { ClaimSessions } from "../claim-sessions.js";
import { inspectCertsTable, type CertsTableShape } from "../certs-table-columns.js";
import { DatabaseJournal } from "../journal/database-journal.js";
import { journalPlace } from "../journal/journal-place.js";
import { reconcileDirectory, type ReconcileSummary } from "../journal/reconcile-journal.js";
import { endJournalOwner, newJournalOwner } from "../journal/journal-owner.js";
import { PendingFileEncoder } from "../pending-file-encoder.js";
import { writeBatch, type BatchJournals, type WrittenBatch } from "./batch-file.js";
import { validateExportOptions, type BatchProgress, type ExportCertsOptions } from "./export-options.js";
import {
  newRunState,
  NOTHING_RECONCILED,
  skipRows,
  summarizeRun,
  type ExportFailure,
  type ExportSummary,
  type StopReason,
} from "./export-summary.js";
import { Flights, maxWritesInFlight } from "./flights.js";
import { withoutJournaledRows } from "./journaled-rows.js";
import { openOutputJournal, prepareScratchDir } from "./output-directory.js";
import { budgetedRunner, type StepRunner } from "./retry-budget.js";
import { ReplicaLagGate } from "./replica-lag.js";
import { partitionExportable } from "./skipped-rows.js";
import { forgetAbandoned, retryUnfinishedDeletes } from "./unfinished-deletes.js";

/**
 * Drains the `certs` table into pending upload files, exactly once: each batch is claimed with
 * `FOR UPDATE SKIP LOCKED`, written durably (journal entry, fsynced temp file, exclusive hard link, directory
 * fsync), then its ids deleted and committed. A journal in `<outputDir>/.journal` lets a later run (or a
 * concurrent one) finish a batch whose process died between publishing and deleting. Transient database
 * errors are retried. Returns the summary; a FILE_ERROR, a persistent DATABASE_ERROR or a bad setting is an
 * error whose `details.summary` says what had been done.
 */
export async function exportCerts(
  dataSource: DataSource,
  options: ExportCertsOptions,
): Promise<Result<ExportSummary, ExportFailure>> {
  const settings = validateExportOptions(options);
  if (!settings.ok) return settings;
  const { batchSize, sleepMs, limit } = settings.value;
  const logger = options.logger ?? silentLogger;
  const signal = options.signal;
  const dryRun = options.dryRun === true;
  const startedAt = performance.now();
  const state = newRunState();
  let outputDir = options.outputDir;
  let reconciled = NOTHING_RECONCILED;

  const summary = (stoppedBy: ExportSummary["stoppedBy"]): ExportSummary =>
    summarizeRun(state, { startedAt, outputDir, dryRun, reconciled }, stoppedBy);
  const fail = (error: AppError): Result<never, ExportFailure> =>
    err({ ...error, details: { ...error.details, summary: summary("failed") } });

  const runStep = budgetedRunner({
    retryForMs: settings.value.retryForMs,
    ...(options.retryPolicy === undefined ? {} : { policy: options.retryPolicy }),
    logger,
    ...(signal === undefined ? {} : { signal }),
    onRetry: () => {
      state.retries += 1;
    },
  });

  // Recording, deleting and forgetting a batch that is already under way finish even after an abort (a
  // published file's rows must leave the table), so they are not cut short by the signal.
  const settleStep = budgetedRunner({
    retryForMs: settings.value.retryForMs,
    ...(options.retryPolicy === undefined ? {} : { policy: options.retryPolicy }),
    logger,
    onRetry: () => {
      state.retries += 1;
    },
  });

  const shape = await inspectCertsTable(dataSource, options.table ?? "certs");
  if (!shape.ok) return fail(shape.error);

  if (dryRun) {
    const scratch = await prepareScratchDir(options.scratchDir);
    if (!scratch.ok) return fail(scratch.error);
    outputDir = scratch.value;
  }
  const opened = await openOutputJournal(outputDir, dryRun);
  if (!opened.ok) return fail(opened.error);
  const journal = opened.value;
  let database: DatabaseJournal | null = null;
  if (journal !== null) {
    // The database journal decides; a user who may not keep it is refused before anything is exported.
    const kept = await openDatabaseJournal(dataSource, shape.value, outputDir, runStep);
    if (!kept.ok) {
      await journal.close().catch(() => undefined);
      return fail(kept.error);
    }
    database = kept.value;
  }
  const owner = newJournalOwner();
  const journals: BatchJournals | null =
    journal === null || database === null ? null : { files: journal, database, owner, runStep: settleStep };
  const sessions = new ClaimSessions(dataSource, shape.value, database);
  const replicaGate =
    options.checkReplica === undefined
      ? undefined
      : new ReplicaLagGate(options.checkReplica, logger, options.onReplicaLag);

  try {
    const reconcile = async (): Promise<Result<ReconcileSummary, AppError>> =>
      journals === null
        ? ok(NOTHING_RECONCILED)
        : reconcileDirectory(dataSource, shape.value, journals.files, journals.database, settleStep, logger);
    const startup = await reconcile();
    if (!startup.ok) return fail(startup.error);
    reconciled = startup.value;

    // The rate cap: rows claimed so far may not outrun maxRowsPerSecond since the first claim.
    let claimedRows = 0;
    let pacingSince: number | undefined;
    const pace = async (): Promise<void> => {
      const rate = options.maxRowsPerSecond;
      if (rate === undefined) return;
      pacingSince ??= performance.now();
      const due = pacingSince + (claimedRows * 1000) / rate - performance.now();
      if (due > 0) await abortableSleep(due, signal);
    };
    const claimNext = async (): Promise<Result<ClaimedBatch, AppError>> => {
      // A lagging (or unreadable) replica holds every claim back; an abort meanwhile is CANCELLED.
      const replicaCaughtUp = await replicaGate?.waitForReplica(signal);
      if (replicaCaughtUp?.ok === false) return replicaCaughtUp;
      await pace();
      const claimed = await claimRows();
      if (claimed.ok) claimedRows += claimed.value.rows.length;
      return claimed;
    };
    const claimRows = (): Promise<Result<ClaimedBatch, AppError>> =>
      runStep(() => {
        const query = {
          batchSize,
          afterId: state.cursor,
          excludeIds: [...state.blockedIds, ...state.excludedIds],
        };
        return dryRun
          ? readBatch(dataSource, shape.value, query)
          : sessions.claim({ ...query, recheckIds: [...state.blockedIds] });
      });

    // The next claim, started while earlier batches are written (pipelined runs only).
    let prefetched: Promise<Result<ClaimedBatch, AppError>> | undefined;
    // The batch in hand, not yet handed to a flight: released (rolled back) on any way out.
    let current: ClaimedBatch | undefined;
    const flights = new Flights(maxWritesInFlight(batchSize));
    // An empty claim while rows were blocked: the blocked rows were looked at again once before "drained".
    let recheckedBlocked = false;
    // Encoders not in use: each file being written needs its own buffer until its write returns.
    const encoders: PendingFileEncoder[] = [];

    /** Settles what earlier batches of this run left unfinished; only while the run holds no locks. */
    const retryPendingDeletes = async (): Promise<void> => {
      if (journals === null) return;
      await retryUnfinishedDeletes(
        state,
        journals.files,
        (ids, batch) => settleStep(() => journals.database.settlePublished({ ids, batch })),
        logger,
      );
      await forgetAbandoned(state, journals.files, (batch) =>
        settleStep(() => journals.database.forget(batch)),
      );
    };

    /** A published batch: counted, its rows deleted and committed (or, in a dry run, just let go), reported. */
    const finishBatch = async (
      batch: Pick<ClaimedBatch, "deleteAndCommit" | "release">,
      ids: string[],
      written: WrittenBatch,
    ): Promise<void> => {
      // The file is published: its rows count as exported whatever the delete does.
      state.batches += 1;
      state.rows += ids.length;
      state.files += 1;
      state.bytes += written.file.bytes;
      const progress: BatchProgress = {
        batch: state.batches,
        rows: ids.length,
        fileName: written.file.fileName,
        bytes: written.file.bytes,
        totalRows: state.rows,
      };
      const entry = written.entry;
      if (journal === null || entry === null) {
        await batch.release();
      } else {
        const deleted = await batch.deleteAndCommit(ids, entry.batch);
        if (deleted.ok) {
          await journal.settle(entry).catch(() => undefined);
        } else {
          // The file is published: these rows must leave the table and never be exported again.
          for (const id of ids) state.blockedIds.add(id);
          state.pendingDeletes.push({ ids, entry });
          logger.warn(
            { file: progress.fileName, err: deleted.error.message },
            "deleting exported rows failed; will retry",
          );
        }
      }
      logger.debug({ file: progress.fileName, rows: progress.rows, bytes: progress.bytes }, "batch exported");
      // After a callback threw, the run is failing with that exception: batches still in flight are
      // finished (deleted) but no longer reported.
      if (flights.thrown === undefined) options.onBatch?.(progress);
    };

    /** Starts writing a claimed batch; the flight then finishes it on its own (see `Flights`). */
    const launch = (batch: ClaimedBatch, exportable: readonly ExportableRow[]): void => {
      const encoder = encoders.pop() ?? new PendingFileEncoder();
      const ids = exportable.map((row) => row.id);
      // The flight keeps the ids and the claim's handles, not the batch: its rows' bytes go once encoded.
      const { deleteAndCommit, release, stillHeld } = batch;
      const writing = writeBatch(
        stillHeld,
        exportable,
        ids,
        outputDir,
        journals,
        encoder,
        state,
        options,
      ).finally(() => encoders.push(encoder));
      flights.launch({
        writing,
        // Never published: its rows go back to the table at once.
        release: () => release(),
        finish: (written) => finishBatch({ deleteAndCommit, release }, ids, written),
      });
    };

    // Every way out waits for the batches in flight (each published one gets its delete and commit) and
    // finishes pending deletes first, so the summary counts them.
    const wrapUp = async (): Promise<void> => {
      await flights.settle(0);
      const leftover = prefetched === undefined ? undefined : await prefetched;
      prefetched = undefined;
      if (leftover?.ok === true) await leftover.value.release();
      await current?.release();
      current = undefined;
      await sessions.releaseIdle();
      await retryPendingDeletes();
    };
    const stopFailed = async (error: AppError): Promise<Result<never, ExportFailure>> => {
      await wrapUp();
      return fail(flights.failure ?? error);
    };
    const stop = async (reason: StopReason): Promise<Result<ExportSummary, ExportFailure>> => {
      await wrapUp();
      // A batch in flight may have failed while we were stopping for another reason: its rows stayed.
      if (flights.thrown !== undefined) throw flights.thrown.error;
      if (flights.failure !== undefined) return fail(flights.failure);
      return ok(summary(reason));
    };
    try {
      for (;;) {
        if (flights.thrown !== undefined) throw flights.thrown.error;
        if (flights.failure !== undefined) return await stopFailed(flights.failure);
        if (aborted(signal)) return await stop("aborted");
        if (flights.launched >= limit) return await stop(options.once === true ? "once" : "max_batches");

        if (journal !== null && prefetched === undefined && flights.size === 0) {
          await sessions.releaseIdle();
          await retryPendingDeletes();
          const housekeeping = await reconcile();
          if (!housekeeping.ok) return await stopFailed(housekeeping.error);
        }

        const claimed = await (prefetched ?? claimNext());
        prefetched = undefined;
        if (!claimed.ok) {
          if (claimed.error.code === ErrorCode.CANCELLED) return await stop("aborted");
          return await stopFailed(claimed.error);
        }
        const batch = claimed.value;
        current = batch;
        const blockedBefore = state.blockedIds.size;
        const filtered =
          journals === null
            ? { rows: [...batch.rows], heldBack: [] }
            : withoutJournaledRows(batch, journals.database.place, state);
        if (batch.rows.length === 0) {
          current = undefined;
          await batch.release();
          // Rows that only journal entries of this directory kept out: once every batch in flight is finished
          // and ended runs' entries are reconciled (the loop's top), they are claimed again; what is still
          // blocked then belongs to live runs, which settle it themselves.
          if (state.blockedIds.size > 0 && (state.blockedIds.size < blockedBefore || !recheckedBlocked)) {
            recheckedBlocked = true;
            await flights.settle(0);
            continue;
          }
          recheckedBlocked = false;
          if (options.follow !== true) return await stop("drained");
          await abortableSleep(Math.max(100, sleepMs), signal);
          continue;
        }
        recheckedBlocked = false;

        // Rows that cannot be written as they are stay in the table, named by id; the rest go on.
        const { exportable, skipped: unexportable } = partitionExportable(filtered.rows);
        const skipped = [...filtered.heldBack, ...unexportable];
        if (skipped.length > 0) {
          skipRows(state, skipped);
          for (const row of skipped) logger.warn({ id: row.id, reason: row.reason }, row.message);
        }
        // Not written yet: on an abort, or when a batch in flight failed meanwhile, the loop's top stops the
        // run and rolls this one back (it is still `current`).
        if (aborted(signal) || flights.failure !== undefined || flights.thrown !== undefined) continue;
        if (exportable.length === 0) {
          current = undefined;
          await batch.release();
          continue;
        }

        // Overlap: the next claim runs on another connection while this batch is written (its rows stay
        // locked). Not while rows are blocked by other entries: the loop then waits for every batch in flight
        // and pauses claiming to reconcile them first.
        const pipelined = sleepMs === 0 && state.blockedIds.size === 0;
        if (dryRun) state.cursor = batch.ids[batch.ids.length - 1] ?? state.cursor;
        if (pipelined && flights.launched + 1 < limit) prefetched = claimNext();

        current = undefined;
        launch(batch, exportable);
        // Pipelined: a few files are written at once (their fsyncs overlap; see maxWritesInFlight) while the
        // batch before them is deleted and committed and the next one claimed. Not pipelined: this batch is
        // finished first.
        if (pipelined) {
          await flights.makeRoom();
        } else {
          await flights.settle(0);
        }
        if (sleepMs > 0 && state.batches < limit) await abortableSleep(sleepMs, signal);
      }
    } catch (thrown) {
      // Only a bug or a throwing onBatch callback gets here; the journal keeps exactly-once intact.
      await flights.settle(0);
      return fail(
        appError(ErrorCode.UNEXPECTED_ERROR, "The export stopped on an unexpected exception.", {
          cause: thrown,
        }),
      );
    } finally {
      await flights.settle(0);
      await current?.release();
      if (prefetched !== undefined) {
        const leftover = await prefetched;
        if (leftover.ok) await leftover.value.release();
      }
      await sessions.close();
    }
  } finally {
    await replicaGate?.close();
    await database?.close();
    await journal?.close().catch(() => undefined);
    endJournalOwner(owner);
  }
}

/**
 * The database journal for `outputDir`. A run keeps one connection of the pool for it (claims hold the
 * others while their files are written), so a pool of one connection is refused.
 */
async function openDatabaseJournal(
  dataSource: DataSource,
  shape: CertsTableShape,
  outputDir: string,
  runStep: StepRunner,
): Promise<Result<DatabaseJournal, AppError>> {
  const poolSize = (dataSource.options as { poolSize?: number }).poolSize;
  if (poolSize !== undefined && poolSize < 2) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        `exportCerts needs a pool of at least 2 connections (one keeps the export journal), got ${poolSize}.`,
      ),
    );
  }
  const place = await journalPlace(outputDir);
  if (!place.ok) return place;
  return runStep(() => DatabaseJournal.open(dataSource, shape, place.value));
}

/** Read through a function: the flag changes across awaits, which control-flow narrowing does not see. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
