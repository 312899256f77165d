import type { AppError } from "@certs/result";

/** Running totals of a run. */
export interface MigrationProgress {
  /** Certificates to go through (pending when the run started, capped by `limit`). */
  readonly total: number;
  /** Attempted so far (migrated + failed). */
  readonly processed: number;
  readonly migrated: number;
  readonly failed: number;
  /** Already in the ledger when reached, or skipped by the operator. */
  readonly skipped: number;
  /** Of `skipped`: in the ledger already (an earlier or a concurrent run migrated them). */
  readonly alreadyMigrated: number;
  /** Of `skipped`: skipped by the operator in interactive mode (they stay pending). */
  readonly skippedByOperator: number;
  readonly elapsedMs: number;
  /** Certificates attempted per second so far. */
  readonly ratePerSecond: number;
  /** Estimated time to finish, when a rate is known. */
  readonly etaMs: number | null;
  readonly lastFailed?: FailedRecord;
}

/** The last certificate that failed in migration (legacy id) order, for progress lines and the summary. */
export interface FailedRecord {
  readonly legacyId: number;
  readonly ecu: string;
  readonly message: string;
}

/** What a run did. */
export interface MigrationSummary {
  readonly runId: string;
  readonly mode: "automated" | "interactive";
  readonly dryRun: boolean;
  /** `cancelled` when the signal (Ctrl+C) or the operator stopped it. */
  readonly stopReason: "completed" | "cancelled";
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly elapsedMs: number;
  readonly total: number;
  readonly migrated: number;
  readonly failed: number;
  /** `alreadyMigrated` + `skippedByOperator`. */
  readonly skipped: number;
  /** In the ledger already (an earlier or a concurrent run migrated them): not failures. */
  readonly alreadyMigrated: number;
  /** Skipped by the operator in interactive mode (they stay pending). */
  readonly skippedByOperator: number;
  /** migrated / (migrated + failed); 1 when nothing was attempted. */
  readonly successRate: number;
  readonly ratePerSecond: number;
  /** How many warnings migrated certificates carry (speeds without digits, no vehicle, ...). */
  readonly warnings: number;
  readonly lastFailed?: FailedRecord;
  /** The options of the run, as text, for the report. */
  readonly options: Readonly<Record<string, string>>;
  /** The databases (no passwords). */
  readonly databases: { readonly legacy: string; readonly destination: string };
  readonly reportPath?: string;
}

/** The error of a run that failed once started: `details.summary` says what had been done. */
export type MigrationFailure = AppError<{ readonly summary?: MigrationSummary }>;
