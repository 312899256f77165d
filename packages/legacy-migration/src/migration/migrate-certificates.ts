import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { LegacyCertificate } from "./legacy-certificates.js";
import {
  MigrationSession,
  type MigrationSettings,
  type MigrationSources,
  type PendingSelection,
} from "./migration-session.js";
import type { CertificateOutcome } from "./outcomes.js";
import { describeSelection, validateSelection, type RunSelectionOptions } from "./run-selection.js";
import type { MigrationFailure, MigrationProgress, MigrationSummary } from "./migration-summary.js";
import { RunOutputs, type RunOutputOptions } from "./run-outputs.js";
import { RunTally } from "./run-tally.js";
import { WorkQueue } from "./work-queue.js";

/** Options of an automated run, on top of the {@link MigrationSettings} and the selection. */
export interface MigrateCertificatesOptions extends MigrationSettings, RunSelectionOptions, RunOutputOptions {
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
  /** At most this many certificates per second are handed to the workers (for a live legacy database). */
  readonly maxRate?: number;
}

/** Opens the session, checks the selection against the legacy table and counts what is pending. */
export async function startRun(
  sources: MigrationSources,
  settings: MigrationSettings,
  selection: PendingSelection,
): Promise<Result<{ readonly session: MigrationSession; readonly pending: number }>> {
  const opened = await MigrationSession.open(sources, settings);
  if (!opened.ok) return opened;
  const checked = opened.value.checkSelection(selection);
  if (!checked.ok) return checked;
  const pending = await opened.value.countPending(selection);
  if (!pending.ok) return pending;
  return ok({ session: opened.value, pending: pending.value });
}

/** Waits `ms`, or less if `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
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
 * technicians are added to technicians_mapping.json; the report (`reportPath`) is written as groups
 * complete, and the rejects file (`rejectsPath`) gets a line per refused certificate. Both files are opened
 * before any work, so a directory that takes no file is a FILE_ERROR before anything is written.
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
  const maxRate = options.maxRate;
  if (maxRate !== undefined && !(Number.isFinite(maxRate) && maxRate > 0)) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        `maxRate must be a positive number of certificates/s, not ${maxRate}.`,
      ),
    );
  }
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();

  // The files first: a report that cannot be written is refused before anything is read or written.
  const outputs = await RunOutputs.open(options);
  if (!outputs.ok) return outputs;
  const started = await startRun(sources, { ...options, clock }, selection.value);
  if (!started.ok) {
    await outputs.value.discard();
    return started;
  }
  const { session, pending } = started.value;
  const total = Math.min(pending, options.limit ?? Number.POSITIVE_INFINITY);
  const tally = new RunTally(total, startedAt, outputs.value, options.onOutcome);

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
    const throttleStart = performance.now();
    try {
      for await (const page of session.pendingPages(selection.value, pageSize.value)) {
        if (!page.ok) {
          fatal ??= page.error;
          queue.drain();
          return;
        }
        tally.alreadyMigrated(page.value.alreadyMigrated.length);
        const wanted = page.value.pending.slice(0, Math.max(0, total - queued));
        // Under maxRate the records go out a group at a time, each when the rate allows it.
        const step =
          maxRate === undefined
            ? wanted.length
            : Math.max(1, Math.min(groupSize.value, Math.ceil(maxRate / 10)));
        for (let start = 0; start < wanted.length; start += step) {
          const chunk = wanted.slice(start, start + step);
          if (maxRate !== undefined) {
            await pause(
              throttleStart + ((queued + chunk.length) * 1000) / maxRate - performance.now(),
              signal,
            );
          }
          if (aborted() || !(await queue.pushAll(chunk))) return;
          queued += chunk.length;
        }
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
      ...(maxRate === undefined ? {} : { maxRate: String(maxRate) }),
      ...describeSelection(options),
    },
    ...(options.reportPath === undefined ? {} : { reportPath: options.reportPath }),
    ...(fatal === undefined ? {} : { fatal }),
  });
}
