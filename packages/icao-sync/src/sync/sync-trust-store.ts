import { type Logger, silentLogger } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type pg from "pg";
import { replaceTrustStore, type TableCounts } from "../trust-store-repository.js";
import { buildTrustStoreRows, DEFAULT_SOURCE } from "../trust-store-rows.js";
import type { SyncInput } from "./sync-input.js";
import { type CollectOptions, collectSources, inputDigest, type SourceReport } from "./source-collection.js";
import type { VerificationReport } from "./verification-report.js";

/** Options of `syncTrustStore`. */
export interface SyncOptions extends CollectOptions {
  /** Parse and verify, write nothing (the pool is not used and may be omitted). */
  readonly dryRun?: boolean;
  /** Let sources without a single certificate empty the trust store; default: refuse. */
  readonly allowEmpty?: boolean;
  /** Rewrite the tables even when the input equals the last successful sync's. */
  readonly force?: boolean;
  /** The `source` column; default `icao-masterlist`. */
  readonly sourceLabel?: string;
  /** The sync time (`updated_at`, sync log); default the system clock. */
  readonly clock?: () => Date;
  /** Give up waiting for a concurrent sync after this long (DATABASE_ERROR); default: wait. */
  readonly lockTimeoutMs?: number;
  /** Rows per INSERT statement. */
  readonly batchSize?: number;
}

/** How long each step of a sync took, in milliseconds. */
export interface SyncTimings {
  readonly loadMs: number;
  readonly parseMs: number;
  readonly buildMs: number;
  readonly storeMs: number;
  readonly totalMs: number;
}

/** What a sync did. */
export interface SyncOutcome {
  /**
   * `replaced`: the tables now hold exactly these rows; `unchanged`: the input equals the last successful
   * sync's, so nothing was rewritten; `dry_run`: nothing was written.
   */
  readonly status: "replaced" | "unchanged" | "dry_run";
  /** True when the write was skipped because the input was unchanged. */
  readonly skipped: boolean;
  /** The `icao_sync_log` row of this run; null for a dry run. */
  readonly syncId: string | null;
  /** Lowercase hex SHA-256 over the inputs (see `inputDigest`), recorded in the sync log. */
  readonly inputDigest: string;
  /** Rows per table: written, or that would be written (dry run), or already there (unchanged). */
  readonly counts: TableCounts;
  readonly verification: VerificationReport;
  readonly sources: readonly SourceReport[];
  readonly timings: SyncTimings;
  /** ISO 8601 UTC. */
  readonly startedAt: string;
  readonly finishedAt: string;
}

function countsOf(rows: ReturnType<typeof buildTrustStoreRows>): TableCounts {
  return {
    root_ca: rows.root_ca.length,
    dsc: rows.dsc.length,
    crls: rows.crls.length,
    revoked_certificate_list: rows.revoked_certificate_list.length,
  };
}

/**
 * Synchronises the trust store with the given sources: loads them, parses them, verifies every master list
 * (unless `verify: false`), builds the rows of the four tables (deduplicated across inputs) and replaces the
 * tables in one transaction (see `replaceTrustStore`). Nothing touches the database until every source has
 * been read and verified, so a PARSE_ERROR, SIGNATURE_ERROR or unreadable source leaves the tables and the
 * sync log as they were. Sources without a single certificate are refused (VALIDATION_ERROR) unless
 * `allowEmpty`: a broken upstream must not wipe the trust store. An input equal to the last successful
 * sync's is not rewritten. A cancelled signal stops the sync before the write (CANCELLED); a write already
 * under way is finished or rolled back. Migrate the schema first (`migrateTrustStore`).
 */
export async function syncTrustStore(
  pool: pg.Pool | undefined,
  input: SyncInput,
  options: SyncOptions = {},
): Promise<Result<SyncOutcome>> {
  if (pool === undefined && options.dryRun !== true) {
    throw new TypeError("syncTrustStore needs a pg.Pool unless dryRun is set");
  }
  const logger: Logger = options.logger ?? silentLogger;
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const started = performance.now();

  const collected = await collectSources(input, options);
  if (!collected.ok) return collected;
  const { content, verification, sources, loadMs, parseMs } = collected.value;

  const buildStarted = performance.now();
  const sourceLabel = options.sourceLabel ?? DEFAULT_SOURCE;
  const rows = buildTrustStoreRows(content, { updatedAt: startedAt, source: sourceLabel });
  const counts = countsOf(rows);
  const digest = inputDigest(sources, sourceLabel);
  const buildMs = performance.now() - buildStarted;

  if (counts.root_ca + counts.dsc === 0 && options.allowEmpty !== true) {
    return err(
      appError(
        ErrorCode.VALIDATION_ERROR,
        "The sources yielded no certificates; refusing to empty the trust store (allowEmpty to force).",
        { details: { counts, sources: sources.map((s) => s.name) } },
      ),
    );
  }
  if (options.signal?.aborted === true) {
    return err(appError(ErrorCode.CANCELLED, "The sync was cancelled before anything was written."));
  }

  const finish = (
    status: SyncOutcome["status"],
    syncId: string | null,
    storeMs: number,
  ): Result<SyncOutcome> =>
    ok({
      status,
      skipped: status === "unchanged",
      syncId,
      inputDigest: digest,
      counts,
      verification,
      sources,
      timings: { loadMs, parseMs, buildMs, storeMs, totalMs: performance.now() - started },
      startedAt: startedAt.toISOString(),
      finishedAt: clock().toISOString(),
    });

  if (options.dryRun === true || pool === undefined) {
    logger.info({ counts }, "dry run: nothing written");
    return finish("dry_run", null, 0);
  }

  const storeStarted = performance.now();
  const stored = await replaceTrustStore(pool, rows, {
    ...(options.force === true ? {} : { inputDigest: digest }),
    source: sources
      .filter((s) => s.kind !== "trust_anchor")
      .map((s) => s.name)
      .join(", "),
    clock,
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
  });
  if (!stored.ok) return stored;
  const storeMs = performance.now() - storeStarted;
  logger.info(
    { status: stored.value.status, counts, syncId: stored.value.syncId },
    "trust store synchronised",
  );
  return finish(stored.value.status, stored.value.syncId, storeMs);
}
