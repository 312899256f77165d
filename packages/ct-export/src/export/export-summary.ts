import type { AppError } from "@certs/result";
import type { JournalEntry } from "../journal/export-journal.js";
import type { ReconcileSummary } from "../journal/reconcile-journal.js";
import type { SkippedRow } from "./skipped-rows.js";

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
   * Ids the run left in the table (the ids of `skipped`, in the order met). Non-empty means the run did not
   * fully succeed (the app exits 1).
   */
  readonly skippedIds: readonly string[];
  /**
   * Each row left in the table, by id, with its reason: a value that could not be read whole, a NULL or
   * inexact ct_index, a published file whose delete kept failing (the next run deletes it), a row held back
   * by another output directory's journal entry.
   */
  readonly skipped: readonly SkippedRow[];
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

/** What a run has done so far, and what it still owes the table. */
export interface RunState {
  rows: number;
  files: number;
  bytes: number;
  retries: number;
  batches: number;
  skipped: SkippedRow[];
  /** Ids not to claim again in this run: rows that cannot be exported, rows held back for another directory. */
  excludedIds: Set<string>;
  /** Ids seen in a claim that a journal entry of this directory covers (a live run's, or one to reconcile). */
  blockedIds: Set<string>;
  /** Published batches whose delete failed: retried when none of our transactions holds locks. */
  pendingDeletes: { readonly ids: string[]; readonly entry: Pick<JournalEntry, "batch" | "temp"> }[];
  /** Batches whose file was not published: their database journal entries (if recorded) are to be forgotten. */
  abandoned: string[];
  /** Dry run: the last id written. */
  cursor: string | null;
  sequence: number;
}

/** Records rows left in the table; those that cannot be exported are not claimed again in this run. */
export function skipRows(state: RunState, rows: readonly SkippedRow[]): void {
  for (const row of rows) {
    state.skipped.push(row);
    if (row.reason !== "delete_failed") state.excludedIds.add(row.id);
  }
}

/** A run that has done nothing yet. */
export function newRunState(): RunState {
  return {
    rows: 0,
    files: 0,
    bytes: 0,
    retries: 0,
    batches: 0,
    skipped: [],
    excludedIds: new Set(),
    blockedIds: new Set(),
    pendingDeletes: [],
    abandoned: [],
    cursor: null,
    sequence: 0,
  };
}

/** Start-up found nothing in the journal (or there is none: a dry run, a run that failed before it). */
export const NOTHING_RECONCILED: ReconcileSummary = {
  publishedBatches: 0,
  deletedRows: 0,
  discardedBatches: 0,
  leftoversRemoved: 0,
};

/** The facts of a run that the summary reports besides its counts. */
export interface RunFacts {
  /** `performance.now()` when the run started. */
  readonly startedAt: number;
  readonly outputDir: string;
  readonly dryRun: boolean;
  readonly reconciled: ReconcileSummary;
}

/** The summary of the run so far, stopped by `stoppedBy`. */
export function summarizeRun(
  state: RunState,
  facts: RunFacts,
  stoppedBy: ExportSummary["stoppedBy"],
): ExportSummary {
  const elapsedMs = performance.now() - facts.startedAt;
  return {
    rows: state.rows,
    files: state.files,
    bytes: state.bytes,
    rowsPerSecond: elapsedMs > 0 ? Math.round((state.rows * 1000) / elapsedMs) : 0,
    retries: state.retries,
    skippedIds: [...new Set(state.skipped.map((row) => row.id))],
    skipped: [...state.skipped],
    elapsedMs: Math.round(elapsedMs),
    outputDir: facts.outputDir,
    dryRun: facts.dryRun,
    stoppedBy,
    reconciled: facts.reconciled,
  };
}
