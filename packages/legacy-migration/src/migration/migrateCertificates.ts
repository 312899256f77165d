import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { MigrationReportWriter } from "../report/MigrationReportWriter.js";
import type { LegacyCertificate } from "./legacyCertificates.js";
import { MigrationSession, type MigrationSettings, type MigrationSources } from "./MigrationSession.js";
import type { CertificateOutcome } from "./outcomes.js";
import { WorkQueue } from "./WorkQueue.js";

/** Options of an automated run, on top of the {@link MigrationSettings}. */
export interface MigrateCertificatesOptions extends MigrationSettings {
  /** Concurrent workers, each on its own destination connection per group (default 10). */
  readonly workers?: number;
  /** Certificates per destination transaction, a savepoint each (default 50). */
  readonly groupSize?: number;
  /** Legacy records read per query (default 500). */
  readonly pageSize?: number;
  /** Only this ECU (trimmed, case-insensitive). */
  readonly ecu?: string;
  /** Only these legacy ids. */
  readonly ids?: readonly number[];
  /** At most this many certificates are attempted. */
  readonly limit?: number;
  /** Only the records that failed in earlier runs. */
  readonly retryFailed?: boolean;
  /** Stops the run cleanly: the groups in flight finish and commit, nothing else starts. */
  readonly signal?: AbortSignal;
  /** Called after every group with the running totals. */
  readonly onProgress?: (progress: MigrationProgress) => void;
  /** Called with every certificate's outcome (already-migrated records are only counted). */
  readonly onOutcome?: (outcome: CertificateOutcome) => void;
  /** Write the Excel report here at the end (also after a cancellation). */
  readonly reportPath?: string;
}

/** Running totals of an automated run. */
export interface MigrationProgress {
  /** Certificates to attempt (pending when the run started, capped by `limit`). */
  readonly total: number;
  /** Attempted so far (migrated + failed). */
  readonly processed: number;
  readonly migrated: number;
  readonly failed: number;
  /** Already in the ledger when reached (migrated by an earlier or a concurrent run). */
  readonly skipped: number;
  readonly elapsedMs: number;
  /** Certificates attempted per second so far. */
  readonly ratePerSecond: number;
  /** Estimated time to finish, when a rate is known. */
  readonly etaMs: number | null;
  readonly lastFailed?: FailedRecord;
}

/** The last certificate that failed, for progress lines and the summary. */
export interface FailedRecord {
  readonly legacyId: number;
  readonly ecu: string;
  readonly message: string;
}

/** What an automated run did. */
export interface MigrationSummary {
  readonly runId: string;
  readonly dryRun: boolean;
  /** `cancelled` when the signal stopped it. */
  readonly stopReason: "completed" | "cancelled";
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly elapsedMs: number;
  readonly total: number;
  readonly migrated: number;
  readonly failed: number;
  readonly skipped: number;
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

function configurationError(message: string): Result<never> {
  return err(appError(ErrorCode.CONFIGURATION_ERROR, message));
}

function validate(
  options: MigrateCertificatesOptions,
): Result<{ workers: number; groupSize: number; pageSize: number }> {
  const workers = options.workers ?? 10;
  const groupSize = options.groupSize ?? 50;
  const pageSize = options.pageSize ?? 500;
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    return configurationError(`workers must be a whole number from 1 to 256, not ${workers}.`);
  }
  if (!Number.isInteger(groupSize) || groupSize < 1 || groupSize > 10_000) {
    return configurationError(`groupSize must be a whole number from 1 to 10000, not ${groupSize}.`);
  }
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50_000) {
    return configurationError(`pageSize must be a whole number from 1 to 50000, not ${pageSize}.`);
  }
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 0)) {
    return configurationError(`limit must be a non-negative whole number, not ${options.limit}.`);
  }
  const badId = options.ids?.find((id) => !Number.isSafeInteger(id));
  if (badId !== undefined) return configurationError(`ids must be whole numbers; ${badId} is not.`);
  if (options.ecu !== undefined && options.ecu.trim() === "")
    return configurationError("The ECU filter is empty.");
  return ok({ workers, groupSize, pageSize });
}

function optionsText(
  options: MigrateCertificatesOptions,
  sizes: { workers: number; groupSize: number },
): Record<string, string> {
  const text: Record<string, string> = {
    workers: String(sizes.workers),
    groupSize: String(sizes.groupSize),
    dryRun: String(options.dryRun ?? false),
    retryFailed: String(options.retryFailed ?? false),
    timeZone: options.timeZone ?? "Asia/Dubai",
  };
  if (options.ecu !== undefined) text["ecu"] = options.ecu.trim();
  if (options.ids !== undefined) text["ids"] = options.ids.join(",");
  if (options.limit !== undefined) text["limit"] = String(options.limit);
  return text;
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
): Promise<Result<MigrationSummary>> {
  const sizes = validate(options);
  if (!sizes.ok) return sizes;
  const { workers, groupSize, pageSize } = sizes.value;
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const started = performance.now();

  const opened = await MigrationSession.open(sources, { ...options, clock });
  if (!opened.ok) return opened;
  const session = opened.value;
  const selection = {
    ...(options.ecu === undefined ? {} : { ecu: options.ecu }),
    ...(options.ids === undefined ? {} : { ids: options.ids }),
    ...(options.retryFailed === true ? { retryFailed: true } : {}),
  };
  const pendingCount = await session.countPending(selection);
  if (!pendingCount.ok) return pendingCount;
  const total = Math.min(pendingCount.value, options.limit ?? Number.POSITIVE_INFINITY);

  let report: MigrationReportWriter | undefined;
  if (options.reportPath !== undefined) {
    const created = await MigrationReportWriter.create(options.reportPath);
    if (!created.ok) return created;
    report = created.value;
  }

  let migrated = 0;
  let failed = 0;
  let skipped = 0;
  let warnings = 0;
  let lastFailed: FailedRecord | undefined;
  let fatal: AppError | undefined;
  const signal = options.signal;
  const aborted = (): boolean => signal?.aborted === true;
  const queue = new WorkQueue<LegacyCertificate>(Math.max(pageSize, workers * groupSize * 2));
  const stop = (): void => {
    queue.drain();
  };
  signal?.addEventListener("abort", stop, { once: true });

  const progress = (): MigrationProgress => {
    const elapsedMs = performance.now() - started;
    const processed = migrated + failed;
    const ratePerSecond = elapsedMs > 0 ? (processed * 1000) / elapsedMs : 0;
    return {
      total,
      processed,
      migrated,
      failed,
      skipped,
      elapsedMs,
      ratePerSecond,
      etaMs: ratePerSecond > 0 ? (Math.max(0, total - processed) * 1000) / ratePerSecond : null,
      ...(lastFailed === undefined ? {} : { lastFailed }),
    };
  };

  const record = async (outcome: CertificateOutcome): Promise<void> => {
    if (outcome.kind === "migrated") {
      migrated += 1;
      warnings += outcome.warnings.length;
    } else if (outcome.kind === "failed") {
      failed += 1;
      lastFailed = {
        legacyId: outcome.legacy.legacyId,
        ecu: outcome.legacy.ecu,
        message: outcome.failures.map((f) => f.message).join(", "),
      };
    } else {
      skipped += 1;
    }
    options.onOutcome?.(outcome);
    if (report !== undefined && outcome.kind !== "skipped") await report.add(outcome);
  };

  const produce = async (): Promise<void> => {
    let queued = 0;
    try {
      for await (const page of session.pendingPages(selection, pageSize)) {
        if (!page.ok) {
          fatal ??= page.error;
          queue.drain();
          return;
        }
        skipped += page.value.alreadyMigrated.length;
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
      const batch = await queue.take(groupSize);
      if (batch.length === 0) return;
      const result = await session.migrateGroup(batch, signal);
      if (!result.ok) {
        fatal ??= result.error;
        queue.drain();
        return;
      }
      for (const outcome of result.value.outcomes) await record(outcome);
      options.onProgress?.(progress());
    }
  };

  await Promise.all([produce(), ...Array.from({ length: workers }, () => work())]);
  signal?.removeEventListener("abort", stop);

  const exported = await session.finish();
  const finishedAt = clock();
  const elapsedMs = performance.now() - started;
  const summary: MigrationSummary = {
    runId: session.runId,
    dryRun: session.dryRun,
    stopReason: aborted() ? "cancelled" : "completed",
    startedAt,
    finishedAt,
    elapsedMs,
    total,
    migrated,
    failed,
    skipped,
    successRate: migrated + failed === 0 ? 1 : migrated / (migrated + failed),
    ratePerSecond: elapsedMs > 0 ? ((migrated + failed) * 1000) / elapsedMs : 0,
    warnings,
    ...(lastFailed === undefined ? {} : { lastFailed }),
    options: optionsText(options, sizes.value),
    databases: session.describeDatabases(),
    ...(options.reportPath === undefined ? {} : { reportPath: options.reportPath }),
  };
  if (report !== undefined) {
    const written = await report.finish(summary);
    if (!written.ok) fatal ??= written.error;
  }
  if (!exported.ok) fatal ??= exported.error;
  if (fatal !== undefined) {
    return err(appError(fatal.code, fatal.message, { cause: fatal, details: { ...fatal.details, summary } }));
  }
  return ok(summary);
}
