import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  abortableSleep,
  defaultRetryPolicy,
  retry,
  silentLogger,
  type Logger,
  type RetryPolicy,
} from "@certs/db";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { DataSource } from "typeorm";
import { claimBatch, deleteIds, type ClaimedBatch } from "./claimed-batch.js";
import { ClaimSessions } from "./claim-sessions.js";
import { inspectCertsTable } from "./certs-table-columns.js";
import { ExportJournal, tempFileName, type JournalEntry } from "./journal/export-journal.js";
import { reconcileOrphans, type ReconcileSummary } from "./journal/reconcile-journal.js";
import { batchId, endJournalOwner, newJournalOwner, type JournalOwner } from "./journal/journal-owner.js";
import { PendingFileEncoder } from "./pending-file-encoder.js";
import {
  writeJournaledPendingFile,
  writePendingFileContent,
  type WrittenPendingFile,
} from "./pending-file-writer.js";

/** Settings of one export run; only `outputDir` is required. */
export interface ExportCertsOptions {
  /** Where pending files go (the uploader's `pending/upload_failure/`); created if missing. */
  readonly outputDir: string;
  /** Rows per file. Default 32 (the original's). */
  readonly batchSize?: number;
  /** Pause between batches, cut short by `signal`. Default 2000 ms; 0 pipelines claims with file writes. */
  readonly sleepMs?: number;
  /** Export one batch, then stop. */
  readonly once?: boolean;
  /** Stop after this many batches. */
  readonly maxBatches?: number;
  /** Keep polling when the table is empty (every `sleepMs`, at least 100 ms) until `signal` aborts. */
  readonly follow?: boolean;
  /** Write files to `scratchDir` (default: a new temp directory) and delete nothing. */
  readonly dryRun?: boolean;
  readonly scratchDir?: string;
  /** Table name. Default `certs`. */
  readonly table?: string;
  /** Aborting stops the run after the batches in flight (a batch not yet written is rolled back). */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** The export time used in file names (local time). Default `() => new Date()`. */
  readonly clock?: () => Date;
  /** Source of the file name suffixes, in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /** Retries of transient database errors. Default: @certs/db's default policy (5 attempts, backoff). */
  readonly retryPolicy?: RetryPolicy;
  /** Told after each batch is durably written (and, unless dry run, deleted). */
  readonly onBatch?: (progress: BatchProgress) => void;
}

/** One finished batch. */
export interface BatchProgress {
  readonly batch: number;
  readonly rows: number;
  readonly fileName: string;
  readonly bytes: number;
  readonly totalRows: number;
}

/** Why a run stopped. */
export type StopReason = "drained" | "once" | "max_batches" | "aborted";

/** The outcome of a run, also attached (as `details.summary`, see {@link ExportFailure}) to the error of a failed run. */
export interface ExportSummary {
  readonly rows: number;
  readonly files: number;
  readonly bytes: number;
  readonly rowsPerSecond: number;
  /** Database operations repeated after a transient error. */
  readonly retries: number;
  /**
   * Ids written to a published file whose delete kept failing: left in the table and in the journal, so
   * the next run deletes them instead of exporting them again. Non-empty means the run did not fully succeed.
   */
  readonly skippedIds: readonly string[];
  readonly elapsedMs: number;
  /** The directory written (the scratch directory in a dry run). */
  readonly outputDir: string;
  readonly dryRun: boolean;
  readonly stoppedBy: StopReason | "failed";
  /** What start-up found in the journal from earlier runs. */
  readonly reconciled: ReconcileSummary;
}

/** The error of a failed run: `details.summary` says what had been done before it failed. */
export type ExportFailure = AppError<{ readonly summary?: ExportSummary }>;

interface RunState {
  rows: number;
  files: number;
  bytes: number;
  retries: number;
  batches: number;
  skippedIds: string[];
  /** Ids seen in a claim that belong to another run's (or our failed) journal entry. */
  blockedIds: Set<string>;
  /** Published batches whose delete failed: retried when none of our transactions holds locks. */
  pendingDeletes: { readonly ids: string[]; readonly entry: Pick<JournalEntry, "batch" | "temp"> }[];
  /** Dry run: the last id written. */
  cursor: string | null;
  sequence: number;
}

const NOTHING_RECONCILED: ReconcileSummary = {
  publishedBatches: 0,
  deletedRows: 0,
  discardedBatches: 0,
  leftoversRemoved: 0,
};

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
  const settings = validate(options);
  if (!settings.ok) return settings;
  const { batchSize, sleepMs, limit } = settings.value;
  const logger = options.logger ?? silentLogger;
  const policy = options.retryPolicy ?? defaultRetryPolicy;
  const signal = options.signal;
  const dryRun = options.dryRun === true;
  const startedAt = performance.now();
  const state: RunState = {
    rows: 0,
    files: 0,
    bytes: 0,
    retries: 0,
    batches: 0,
    skippedIds: [],
    blockedIds: new Set(),
    pendingDeletes: [],
    cursor: null,
    sequence: 0,
  };
  let outputDir = options.outputDir;
  let reconciled = NOTHING_RECONCILED;

  const summary = (stoppedBy: ExportSummary["stoppedBy"]): ExportSummary => {
    const elapsedMs = performance.now() - startedAt;
    return {
      rows: state.rows,
      files: state.files,
      bytes: state.bytes,
      rowsPerSecond: elapsedMs > 0 ? Math.round((state.rows * 1000) / elapsedMs) : 0,
      retries: state.retries,
      skippedIds: [...state.skippedIds],
      elapsedMs: Math.round(elapsedMs),
      outputDir,
      dryRun,
      stoppedBy,
      reconciled,
    };
  };
  const fail = (error: AppError): Result<never, ExportFailure> =>
    err({ ...error, details: { ...error.details, summary: summary("failed") } });

  const runStep = async <T>(step: () => Promise<Result<T, AppError>>): Promise<Result<T, AppError>> =>
    retry(
      policy,
      async (attempt) => {
        if (attempt > 1) state.retries += 1;
        return step();
      },
      { logger, ...(signal === undefined ? {} : { signal }) },
    );

  const shape = await inspectCertsTable(dataSource, options.table ?? "certs");
  if (!shape.ok) return fail(shape.error);

  if (dryRun) {
    const scratch = await prepareScratchDir(options.scratchDir);
    if (!scratch.ok) return fail(scratch.error);
    outputDir = scratch.value;
  }
  const opened = await openJournal(outputDir, dryRun);
  if (!opened.ok) return fail(opened.error);
  const journal = opened.value;
  const owner = newJournalOwner();
  const sessions = new ClaimSessions(dataSource, shape.value);

  try {
    if (journal !== null) {
      const startup = await reconcileOrphans(dataSource, shape.value, journal, runStep, logger);
      if (!startup.ok) return fail(startup.error);
      reconciled = startup.value;
    }

    const claimNext = (): Promise<Result<ClaimedBatch, AppError>> =>
      runStep(() => {
        const query = { batchSize, afterId: state.cursor, excludeIds: [...state.blockedIds] };
        return dryRun
          ? claimBatch(dataSource, shape.value, { ...query, lock: false })
          : sessions.claim(query);
      });

    // The next claim, started while earlier batches are written (pipelined runs only).
    let prefetched: Promise<Result<ClaimedBatch, AppError>> | undefined;
    // The batch in hand, not yet handed to a flight: released (rolled back) on any way out.
    let current: ClaimedBatch | undefined;
    const flights = new Flights(maxWritesInFlight(batchSize));
    // Encoders not in use: each file being written needs its own buffer until its write returns.
    const encoders: PendingFileEncoder[] = [];

    // Retried only while we hold no locks: our own next claim may have taken these rows (it leaves them out
    // of its file, but keeps them locked until it commits), and a delete waiting on it would never return.
    const retryPendingDeletes = async (): Promise<void> => {
      const pending = state.pendingDeletes.splice(0);
      for (const { ids, entry } of pending) {
        const deleted = await runStep(() => deleteIds(dataSource, shape.value, ids));
        if (deleted.ok && journal !== null) {
          await journal.settle(entry).catch(() => undefined);
        } else {
          state.skippedIds.push(...ids);
          logger.warn(
            { ids },
            "the rows of a published file could not be deleted; they stay in the journal for the next run",
          );
        }
      }
    };

    /** A published batch: counted, its rows deleted and committed (or, in a dry run, just let go), reported. */
    const finishBatch = async (
      batch: ClaimedBatch,
      exportable: ClaimedBatch["rows"],
      written: WrittenBatch,
    ): Promise<void> => {
      // The file is published: its rows count as exported whatever the delete does.
      state.batches += 1;
      state.rows += exportable.length;
      state.files += 1;
      state.bytes += written.file.bytes;
      const progress: BatchProgress = {
        batch: state.batches,
        rows: exportable.length,
        fileName: written.file.fileName,
        bytes: written.file.bytes,
        totalRows: state.rows,
      };
      const entry = written.entry;
      if (journal === null || entry === null) {
        await batch.release();
      } else {
        const ids = exportable.map((row) => row.id);
        const deleted = await batch.deleteAndCommit(ids);
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
    const launch = (batch: ClaimedBatch, exportable: ClaimedBatch["rows"]): void => {
      const encoder = encoders.pop() ?? new PendingFileEncoder();
      const writing = writeBatch(exportable, outputDir, journal, owner, encoder, state, options).finally(() =>
        encoders.push(encoder),
      );
      flights.launch({
        writing,
        // Never published: its rows go back to the table at once.
        release: () => batch.release(),
        finish: (written) => finishBatch(batch, exportable, written),
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
          const housekeeping = await reconcileOrphans(dataSource, shape.value, journal, runStep, logger);
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
        if (batch.rows.length === 0) {
          current = undefined;
          await batch.release();
          if (options.follow !== true) return await stop("drained");
          await abortableSleep(Math.max(100, sleepMs), signal);
          continue;
        }

        const filtered =
          journal === null ? ok(batch.rows) : await withoutJournaledRows(batch, journal, state);
        if (!filtered.ok) return await stopFailed(filtered.error);
        const exportable = filtered.value;
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
        if (dryRun) state.cursor = exportable[exportable.length - 1]?.id ?? state.cursor;
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
    await journal?.close().catch(() => undefined);
    endJournalOwner(owner);
  }
}

/** A batch's file, published, and its journal entry (null in a dry run). */
interface WrittenBatch {
  readonly file: WrittenPendingFile;
  readonly entry: Pick<JournalEntry, "batch" | "temp"> | null;
}

/**
 * Files written at once at most (their fsyncs overlap): small batches are bound by fsync latency, so more
 * of them are written at once; large ones by CPU and memory (each write holds its batch and an encoder
 * buffer), so two. Measured at batch 32 on the benchmark machine, four at once gave 0.85 of the raw loop where two
 * gave 0.70 (four runs each, interleaved).
 */
function maxWritesInFlight(batchSize: number): number {
  return batchSize <= SMALL_BATCH ? 4 : 2;
}
const SMALL_BATCH = 256;

/** One claimed batch on its way: its file being written, then either finished or released. */
interface Flight {
  readonly writing: Promise<Result<WrittenBatch, AppError>>;
  /** Rolls the batch back (its file was never published); never fails. */
  release(): Promise<void>;
  /** Counts, deletes and commits, and reports a published batch. */
  finish(written: WrittenBatch): Promise<void>;
}

/**
 * The batches whose rows this run holds while their files are written, oldest first. Each goes on by itself,
 * so no batch waits for the loop to come back to it (with a pool of one connection, the next claim waits
 * for the connection a finishing batch hands back): a file that could not be written releases its rows at
 * once; a published one waits for the batch before it to be finished (batches are counted and reported in
 * claim order), then is finished. Nothing here rejects: the first failed write is kept in `failure`, an
 * exception (a throwing onBatch) in `thrown`, for the loop to stop on; the other batches in flight still
 * finish, since a published file's rows must be deleted whatever happens to its neighbours.
 */
class Flights {
  /** Batches launched so far, published or not. */
  launched = 0;
  failure: AppError | undefined;
  thrown: { readonly error: unknown } | undefined;
  private readonly pending: Promise<void>[] = [];
  private last: Promise<void> = Promise.resolve();
  /** Writes not yet returned (they may return out of order). */
  private readonly writes = new Set<Promise<void>>();

  /** `maxWrites`: files written at once at most; one more batch may be in flight (the one being deleted). */
  constructor(private readonly maxWrites: number) {}

  /** Flights not yet waited for (some may have ended already). */
  get size(): number {
    return this.pending.length;
  }

  launch(flight: Flight): void {
    this.launched += 1;
    const write = flight.writing.then(
      () => undefined,
      () => undefined,
    );
    this.writes.add(write);
    void write.then(() => this.writes.delete(write));
    const done = this.fly(flight, this.last).catch((error: unknown) => {
      this.thrown ??= { error };
    });
    this.last = done;
    this.pending.push(done);
  }

  /** Waits until another batch may be launched: a free write slot and a free flight slot. */
  async makeRoom(): Promise<void> {
    await this.settle(this.maxWrites);
    while (this.writes.size >= this.maxWrites) await Promise.race(this.writes);
  }

  /** Waits for the oldest flights until at most `keep` are left. */
  async settle(keep: number): Promise<void> {
    while (this.pending.length > keep) await this.pending.shift();
  }

  private async fly(flight: Flight, previous: Promise<void>): Promise<void> {
    const written = await flight.writing;
    if (!written.ok) {
      await flight.release();
      this.failure ??= written.error;
      return;
    }
    await previous;
    await flight.finish(written.value);
  }
}

interface Settings {
  readonly batchSize: number;
  readonly sleepMs: number;
  readonly limit: number;
}

function validate(options: ExportCertsOptions): Result<Settings, AppError> {
  const batchSize = options.batchSize ?? 32;
  const sleepMs = options.sleepMs ?? 2000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    return err(configuration(`batchSize must be a whole number from 1 to 100000, got ${batchSize}.`));
  }
  if (!Number.isFinite(sleepMs) || sleepMs < 0) {
    return err(configuration(`sleepMs must be 0 or more, got ${sleepMs}.`));
  }
  if (
    options.maxBatches !== undefined &&
    (!Number.isSafeInteger(options.maxBatches) || options.maxBatches < 1)
  ) {
    return err(configuration(`maxBatches must be a whole number of at least 1, got ${options.maxBatches}.`));
  }
  if (options.outputDir.length === 0) return err(configuration("outputDir must name a directory."));
  const limit = options.once === true ? 1 : (options.maxBatches ?? Number.POSITIVE_INFINITY);
  return ok({ batchSize, sleepMs, limit });
}

function configuration(message: string): AppError {
  return appError(ErrorCode.CONFIGURATION_ERROR, message);
}

async function prepareScratchDir(scratchDir: string | undefined): Promise<Result<string, AppError>> {
  try {
    if (scratchDir !== undefined) {
      await mkdir(scratchDir, { recursive: true });
      return ok(scratchDir);
    }
    return ok(await mkdtemp(path.join(tmpdir(), "ct-export-dry-run-")));
  } catch (error) {
    return err(
      appError(ErrorCode.FILE_ERROR, "Cannot create the dry run's scratch directory.", { cause: error }),
    );
  }
}

async function openJournal(
  outputDir: string,
  dryRun: boolean,
): Promise<Result<ExportJournal | null, AppError>> {
  try {
    await mkdir(outputDir, { recursive: true });
    return ok(dryRun ? null : await ExportJournal.open(outputDir));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return err(
      appError(ErrorCode.FILE_ERROR, `Cannot prepare the output directory ${outputDir}: ${reason}.`, {
        cause: error,
      }),
    );
  }
}

/**
 * Drops claimed rows that some journal entry already covers (a published file whose delete has not happened
 * yet): exporting them again would duplicate them. Checked after the claim, when these rows are locked by us,
 * so no entry for them can appear any more.
 */
async function withoutJournaledRows(
  batch: ClaimedBatch,
  journal: ExportJournal,
  state: RunState,
): Promise<Result<ClaimedBatch["rows"], AppError>> {
  let covered: Set<string>;
  // Only the ids asked about may be unblocked below: a batch in flight may block more meanwhile.
  const blocked = [...state.blockedIds];
  try {
    covered = await journal.coveredIds([...batch.ids, ...blocked]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return err(
      appError(ErrorCode.FILE_ERROR, `Cannot read the export journal: ${reason}.`, { cause: error }),
    );
  }
  for (const id of blocked) if (!covered.has(id)) state.blockedIds.delete(id);
  if (covered.size === 0) return ok(batch.rows);
  return ok(
    batch.rows.filter((row) => {
      if (!covered.has(row.id)) return true;
      state.blockedIds.add(row.id);
      return false;
    }),
  );
}

async function writeBatch(
  rows: ClaimedBatch["rows"],
  outputDir: string,
  journal: ExportJournal | null,
  owner: JournalOwner,
  encoder: PendingFileEncoder,
  state: RunState,
  options: ExportCertsOptions,
): Promise<Result<WrittenBatch, AppError>> {
  const naming = {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.random === undefined ? {} : { random: options.random }),
  };
  const content = encoder.encode(rows);
  if (!content.ok) return content;
  if (journal === null) {
    const file = await writePendingFileContent(outputDir, content.value, naming);
    return file.ok ? ok({ file: file.value, entry: null }) : file;
  }
  state.sequence += 1;
  const batch = batchId(owner, state.sequence);
  const ids = rows.map((row) => row.id);
  const file = await writeJournaledPendingFile(content.value, { journal, owner, batch, ids }, naming);
  if (!file.ok) return file;
  return ok({ file: file.value, entry: { batch, temp: tempFileName(batch) } });
}

/** Read through a function: the flag changes across awaits, which control-flow narrowing does not see. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
