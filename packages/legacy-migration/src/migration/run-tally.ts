import { appError, err, ok, type AppError, type Result } from "@certs/result";
import type { MigrationSession } from "./migration-session.js";
import type {
  FailedRecord,
  MigrationFailure,
  MigrationProgress,
  MigrationSummary,
} from "./migration-summary.js";
import type { CertificateOutcome } from "./outcomes.js";
import type { RunOutputs } from "./run-outputs.js";

/** Counts a run's outcomes, feeds the report, and makes the progress and the summary. */
export class RunTally {
  private migrated = 0;
  private failed = 0;
  private alreadyDone = 0;
  private skippedByOperator = 0;
  private warnings = 0;
  private lastFailed: FailedRecord | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly total: number,
    private readonly startedAt: Date,
    private readonly outputs: RunOutputs,
    private readonly onOutcome: ((outcome: CertificateOutcome) => void) | undefined,
  ) {}

  /** Counts records the ledger already had (not reported one by one). */
  alreadyMigrated(count: number): void {
    this.alreadyDone += count;
  }

  /** Counts one outcome, tells the listener and adds it to the report. */
  async record(outcome: CertificateOutcome): Promise<void> {
    if (outcome.kind === "migrated") {
      this.migrated += 1;
      this.warnings += outcome.warnings.length;
    } else if (outcome.kind === "failed") {
      this.failed += 1;
      // Workers finish out of order: the highest legacy id is the last failure in migration order, every run.
      if (this.lastFailed === undefined || outcome.legacy.legacyId > this.lastFailed.legacyId)
        this.lastFailed = {
          legacyId: outcome.legacy.legacyId,
          ecu: outcome.legacy.ecu,
          message: outcome.failures.map((f) => f.message).join(", "),
        };
    } else if (outcome.reason === "already_migrated") {
      this.alreadyDone += 1;
    } else {
      this.skippedByOperator += 1;
    }
    this.onOutcome?.(outcome);
    await this.outputs.add(outcome);
  }

  /** The running totals. */
  progress(): MigrationProgress {
    const elapsedMs = performance.now() - this.started;
    const processed = this.migrated + this.failed;
    const ratePerSecond = elapsedMs > 0 ? (processed * 1000) / elapsedMs : 0;
    return {
      total: this.total,
      processed,
      migrated: this.migrated,
      failed: this.failed,
      skipped: this.alreadyDone + this.skippedByOperator,
      alreadyMigrated: this.alreadyDone,
      skippedByOperator: this.skippedByOperator,
      elapsedMs,
      ratePerSecond,
      etaMs: ratePerSecond > 0 ? (Math.max(0, this.total - processed) * 1000) / ratePerSecond : null,
      ...(this.lastFailed === undefined ? {} : { lastFailed: this.lastFailed }),
    };
  }

  /**
   * Ends the run: exports the mapping files through the session, writes the report, and returns the
   * summary, or the first error (`fatal`, the export's or the report's) with the summary in its details.
   */
  async finish(
    session: MigrationSession,
    details: {
      readonly mode: MigrationSummary["mode"];
      readonly stopReason: MigrationSummary["stopReason"];
      readonly finishedAt: Date;
      readonly options: Readonly<Record<string, string>>;
      readonly reportPath?: string;
      readonly fatal?: AppError;
    },
  ): Promise<Result<MigrationSummary, MigrationFailure>> {
    const exported = await session.finish();
    const progress = this.progress();
    const summary: MigrationSummary = {
      runId: session.runId,
      mode: details.mode,
      dryRun: session.dryRun,
      stopReason: details.stopReason,
      startedAt: this.startedAt,
      finishedAt: details.finishedAt,
      elapsedMs: progress.elapsedMs,
      total: this.total,
      migrated: this.migrated,
      failed: this.failed,
      skipped: progress.skipped,
      alreadyMigrated: this.alreadyDone,
      skippedByOperator: this.skippedByOperator,
      successRate: progress.processed === 0 ? 1 : this.migrated / progress.processed,
      ratePerSecond: progress.ratePerSecond,
      warnings: this.warnings,
      ...(this.lastFailed === undefined ? {} : { lastFailed: this.lastFailed }),
      options: details.options,
      databases: session.describeDatabases(),
      ...(details.reportPath === undefined ? {} : { reportPath: details.reportPath }),
    };
    let fatal = details.fatal;
    const written = await this.outputs.finish(summary);
    if (!written.ok) fatal ??= written.error;
    if (!exported.ok) fatal ??= exported.error;
    if (fatal !== undefined) {
      return err(
        appError(fatal.code, fatal.message, {
          cause: fatal.cause,
          details: { ...fatal.details, summary },
        }),
      );
    }
    return ok(summary);
  }
}
