import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { MigrationReportWriter } from "../report/migration-report-writer.js";
import type { LegacyCertificate } from "./legacy-certificates.js";
import { MigrationSession, type MigrationSettings, type MigrationSources } from "./migration-session.js";
import type { CertificateOutcome } from "./outcomes.js";
import { describeSelection, validateSelection, type RunSelectionOptions } from "./run-selection.js";
import type { MigrationFailure, MigrationProgress, MigrationSummary } from "./migration-summary.js";
import { RunTally } from "./run-tally.js";
import { WorkQueue } from "./work-queue.js";

/** Options of an automated run, on top of the {@link MigrationSettings} and the selection. */
export interface MigrateCertificatesOptions extends MigrationSettings, RunSelectionOptions {
  /** Concurrent workers, each on its own destination connection per group (default 10). */
  readonly workers?: number;
  /** Certificates per destination transaction, a savepoint each (default 50). */
  readonly groupSize?: number;
  /** Legacy records read per query (default 500). */
  readonly pageSize?: number;
  /** Stops the run cleanly: the groups in flight finish and commit, nothing else starts. */
  readonly signal?: AbortSignal;
  /** Called after every group with the running totals. */
  readonly onProgress?: (progress: MigrationProgress) => void;
  /** Called with every certificate's outcome (already-migrated records are only counted). */
  readonly onOutcome?: (outcome: CertificateOutcome) => void;
  /** Write the Excel report here at the end (also after a cancellation). */
  readonly reportPath?: string;
}

function sizeOption(name: string, value: number, max: number): Result<number> {
  if (Number.isInteger(value) && value >= 1 && value <= max) return ok(value);
  return err(
    appError(ErrorCode.CONFIGURATION_ERROR, `${name} must be a whole number from 1 to ${max}, not ${value}.`),
  );
}

/**
 * The fully automated migration: a keyset reader feeds a bounded queue; `workers` workers each take up to
 * `groupSize` certificates and migrate them in one destination transaction with a savepoint per certificate;
 * every migrated certificate's ledger row commits with it, so a crash at any moment loses nothing and a rerun
 * repeats nothing. Cancelling through `signal` lets the groups in flight commit and starts nothing new.
 * At the end (also after a cancellation) the ledger is exported to certificates_mappings.json, created
 * technicians are added to technicians_mapping.json, and the report is written when `reportPath` is given.
 * Err when the run cannot start or the destination keeps failing (its `details.summary` has the totals).
 */
export async function migrateCertificates(
  sources: MigrationSources,
  options: MigrateCertificatesOptions,
): Promise<Result<MigrationSummary, MigrationFailure>> {
  const workers = sizeOption("workers", options.workers ?? 10, 256);
  if (!workers.ok) return workers;
  const groupSize = sizeOption("groupSize", options.groupSize ?? 50, 10_000);
  if (!groupSize.ok) return groupSize;
  const pageSize = sizeOption("pageSize", options.pageSize ?? 500, 50_000);
  if (!pageSize.ok) return pageSize;
  const selection = validateSelection(options);
  if (!selection.ok) return selection;
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();

  const opened = await MigrationSession.open(sources, { ...options, clock });
  if (!opened.ok) return opened;
  const session = opened.value;
  const pendingCount = await session.countPending(selection.value);
  if (!pendingCount.ok) return pendingCount;
  const total = Math.min(pendingCount.value, options.limit ?? Number.POSITIVE_INFINITY);

  let report: MigrationReportWriter | undefined;
  if (options.reportPath !== undefined) {
    const created = await MigrationReportWriter.create(options.reportPath);
    if (!created.ok) return created;
    report = created.value;
  }
  const tally = new RunTally(total, startedAt, report, options.onOutcome);

  let fatal: AppError | undefined;
  const signal = options.signal;
  const aborted = (): boolean => signal?.aborted === true;
  const queue = new WorkQueue<LegacyCertificate>(
    Math.max(pageSize.value, workers.value * groupSize.value * 2),
  );
  const stop = (): void => {
    queue.drain();
  };
  signal?.addEventListener("abort", stop, { once: true });

  const produce = async (): Promise<void> => {
    let queued = 0;
    try {
      for await (const page of session.pendingPages(selection.value, pageSize.value)) {
        if (!page.ok) {
          fatal ??= page.error;
          queue.drain();
          return;
        }
        tally.alreadyMigrated(page.value.alreadyMigrated.length);
        const wanted = page.value.pending.slice(0, Math.max(0, total - queued));
        if (aborted() || !(await queue.pushAll(wanted))) return;
        queued += wanted.length;
        if (queued >= total || aborted()) return;
      }
    } finally {
      queue.close();
    }
  };

  const work = async (): Promise<void> => {
    for (;;) {
      const batch = await queue.take(groupSize.value);
      if (batch.length === 0) return;
      const result = await session.migrateGroup(batch, signal);
      if (!result.ok) {
        fatal ??= result.error;
        queue.drain();
        return;
      }
      for (const outcome of result.value.outcomes) await tally.record(outcome);
      options.onProgress?.(tally.progress());
    }
  };

  await Promise.all([produce(), ...Array.from({ length: workers.value }, () => work())]);
  signal?.removeEventListener("abort", stop);

  return tally.finish(session, {
    mode: "automated",
    stopReason: aborted() ? "cancelled" : "completed",
    finishedAt: clock(),
    options: {
      workers: String(workers.value),
      groupSize: String(groupSize.value),
      dryRun: String(options.dryRun ?? false),
      timeZone: options.timeZone ?? "Asia/Dubai",
      ...describeSelection(options),
    },
    ...(options.reportPath === undefined ? {} : { reportPath: options.reportPath }),
    ...(fatal === undefined ? {} : { fatal }),
  });
}
