import type { AppError, Result } from "@certs/result";
import type { LegacyCertificate } from "./legacy-certificates.js";
import { startRun } from "./migrate-certificates.js";
import type { MigrationSettings, MigrationSources } from "./migration-session.js";
import type { CertificateOutcome } from "./outcomes.js";
import type { PlanResult } from "./plan-certificate.js";
import { describeSelection, validateSelection, type RunSelectionOptions } from "./run-selection.js";
import type { MigrationFailure, MigrationProgress, MigrationSummary } from "./migration-summary.js";
import { RunOutputs, type RunOutputOptions } from "./run-outputs.js";
import { RunTally } from "./run-tally.js";

/** What the operator does with one certificate. */
export type InteractiveChoice = "migrate" | "skip" | "exit";

/** One certificate put before the operator: its legacy fields and what migrating it would produce. */
export interface InteractiveStep {
  /** 1-based position among the pending certificates. */
  readonly position: number;
  readonly total: number;
  readonly record: LegacyCertificate;
  /** The destination rows it would produce, or every reason it cannot be migrated. */
  readonly preview: PlanResult;
  /** The running totals so far. */
  readonly progress: MigrationProgress;
}

/** Options of an interactive run, on top of the {@link MigrationSettings} and the selection. */
export interface MigrateInteractivelyOptions
  extends MigrationSettings, RunSelectionOptions, RunOutputOptions {
  /**
   * Asks the operator (the app shows the step and a Migrate / Skip / Exit choice). A rejected promise, such
   * as a prompt interrupted by Ctrl+C, means exit: it is never taken as "skip".
   */
  readonly decide: (step: InteractiveStep) => Promise<InteractiveChoice>;
  /** Stops after the certificate in hand (Ctrl+C outside a prompt). */
  readonly signal?: AbortSignal;
  /** Called after each certificate with its outcome and the running totals. */
  readonly onOutcome?: (outcome: CertificateOutcome, progress: MigrationProgress) => void;
}

/**
 * The interactive migration: one pending certificate at a time, in id order, previewed and then migrated
 * (in a transaction of its own, with its ledger row), skipped (it stays pending for the next run) or the run
 * ended. Ending, Ctrl+C included, is clean: what was migrated is committed, the mapping files are exported
 * and the report is written.
 */
export async function migrateInteractively(
  sources: MigrationSources,
  options: MigrateInteractivelyOptions,
): Promise<Result<MigrationSummary, MigrationFailure>> {
  const selection = validateSelection(options);
  if (!selection.ok) return selection;
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const outputs = await RunOutputs.open(options);
  if (!outputs.ok) return outputs;
  const started = await startRun(sources, { ...options, clock }, selection.value);
  if (!started.ok) {
    await outputs.value.discard();
    return started;
  }
  const { session } = started.value;
  const total = Math.min(started.value.pending, options.limit ?? Number.POSITIVE_INFINITY);
  const onOutcome = options.onOutcome;
  const counts: RunTally = new RunTally(
    total,
    startedAt,
    outputs.value,
    onOutcome === undefined ? undefined : (outcome) => onOutcome(outcome, counts.progress()),
  );
  const aborted = (): boolean => options.signal?.aborted === true;

  let fatal: AppError | undefined;
  let exited = false;
  let position = 0;
  const ask = async (record: LegacyCertificate): Promise<InteractiveChoice> => {
    try {
      return await options.decide({
        position: position + 1,
        total,
        record,
        preview: session.preview(record),
        progress: counts.progress(),
      });
    } catch {
      return "exit";
    }
  };

  pages: for await (const page of session.pendingPages(selection.value, 100)) {
    if (!page.ok) {
      fatal = page.error;
      break;
    }
    counts.alreadyMigrated(page.value.alreadyMigrated.length);
    for (const record of page.value.pending) {
      if (position >= total || aborted()) break pages;
      const choice = await ask(record);
      if (choice === "exit" || aborted()) {
        exited = true;
        break pages;
      }
      position += 1;
      if (choice === "skip") {
        await counts.record(session.skip(record));
        continue;
      }
      const outcome = await session.migrate(record);
      if (!outcome.ok) {
        fatal = outcome.error;
        break pages;
      }
      await counts.record(outcome.value);
    }
  }

  return counts.finish(session, {
    mode: "interactive",
    stopReason: exited || aborted() ? "cancelled" : "completed",
    finishedAt: clock(),
    options: {
      dryRun: String(options.dryRun ?? false),
      timeZone: options.timeZone ?? "Asia/Dubai",
      ...describeSelection(options),
    },
    ...(options.reportPath === undefined ? {} : { reportPath: options.reportPath }),
    ...(fatal === undefined ? {} : { fatal }),
  });
}
