import type { Logger, RetryPolicy } from "@certs/db";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { validateReplicaLagOptions, type ReplicaLagEvent, type ReplicaLagOptions } from "./replica-lag.js";
import { DEFAULT_RETRY_FOR_MS } from "./retry-budget.js";

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
  /**
   * How long a database step that fails with a transient error (connection lost, server restarting,
   * deadlock, lock wait timeout) is retried, from its first failure. Default 120000 (2 minutes): a MariaDB
   * restart takes about 3 s, PostgreSQL's crash recovery 10 s or more. Each step gets the whole budget, so
   * `follow` outlives any number of outages shorter than it.
   */
  readonly retryForMs?: number;
  /** The backoff between retries (its `maxAttempts` caps them too). Default: 100 ms doubling to 2 s, full jitter. */
  readonly retryPolicy?: RetryPolicy;
  /** A rate cap (pt-archiver's `--max-rows-per-second`): claims wait so the run never goes faster. */
  readonly maxRowsPerSecond?: number;
  /** Before each claim, read this replica's lag; while it is over the limit or unknown, claims pause (see `onReplicaLag`). */
  readonly checkReplica?: ReplicaLagOptions;
  /** Told when claims pause for replica lag (once per pause, with the reason) and when they resume. */
  readonly onReplicaLag?: (event: ReplicaLagEvent) => void;
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

/** The numbers a run works with, checked. */
export interface ExportSettings {
  readonly batchSize: number;
  readonly sleepMs: number;
  /** Batches to export at most: 1 for `once`, else `maxBatches` or no limit. */
  readonly limit: number;
  readonly retryForMs: number;
}

/** Checks `options` and fills in the defaults; what is wrong is a CONFIGURATION_ERROR naming the option. */
export function validateExportOptions(options: ExportCertsOptions): Result<ExportSettings, AppError> {
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
  const retryForMs = options.retryForMs ?? DEFAULT_RETRY_FOR_MS;
  if (!Number.isFinite(retryForMs) || retryForMs < 0) {
    return err(configuration(`retryForMs must be 0 or more, got ${retryForMs}.`));
  }
  if (
    options.maxRowsPerSecond !== undefined &&
    (!Number.isFinite(options.maxRowsPerSecond) || options.maxRowsPerSecond <= 0)
  ) {
    return err(configuration(`maxRowsPerSecond must be more than 0, got ${options.maxRowsPerSecond}.`));
  }
  if (options.checkReplica !== undefined) {
    const replica = validateReplicaLagOptions(options.checkReplica);
    if (!replica.ok) return replica;
  }
  if (options.outputDir.length === 0) return err(configuration("outputDir must name a directory."));
  const limit = options.once === true ? 1 : (options.maxBatches ?? Number.POSITIVE_INFINITY);
  return ok({ batchSize, sleepMs, limit, retryForMs });
}

function configuration(message: string): AppError {
  return appError(ErrorCode.CONFIGURATION_ERROR, message);
}
