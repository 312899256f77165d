import type { AppError } from "@certs/result";
import type { JournalEntry } from "../journal/export-journal.js";
import type { ReconcileSummary } from "../journal/reconcile-journal.js";

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

/** What a run has done so far, and what it still owes the table. */
export interface RunState {
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

/** A run that has done nothing yet. */
export function newRunState(): RunState {
  return {
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
    skippedIds: [...state.skippedIds],
    elapsedMs: Math.round(elapsedMs),
    outputDir: facts.outputDir,
    dryRun: facts.dryRun,
    stoppedBy,
    reconciled: facts.reconciled,
  };
}
