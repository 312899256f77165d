import { randomUUID } from "node:crypto";
import { databaseError, pgTransaction } from "@certs/db";
import { type AppError, err, ok, type Result } from "@certs/result";
import type pg from "pg";
import {
  noStoreChanges,
  recordTrustStoreChanges,
  snapshotTrustStore,
  STORE_HELD_SQL,
  type StoreChanges,
} from "./store-diff.js";
import { TrustStoreCopyWriter } from "./trust-store-copy.js";
import { type DeviationListRow, insertDeviationListRows } from "./deviation-list-store.js";
import { type SyncLogEntry, type TableCounts, writeSyncLog } from "./sync-log.js";
import type { TrustStoreRows } from "./trust-store-rows.js";

export type { SyncLogEntry, TableCounts } from "./sync-log.js";

/** Options of `replaceTrustStore`. */
export interface ReplaceOptions {
  /** Digest of the input (e.g. `MasterList.digest`); when it equals the last successful sync's, nothing is rewritten. */
  readonly inputDigest?: string;
  /** Where the data came from, for the sync log (a path or a redacted URL). */
  readonly source?: string;
  /** Give up with a DATABASE_ERROR after waiting this long for a concurrent sync; default: wait. */
  readonly lockTimeoutMs?: number;
  /** Rows per binary COPY batch (each table's share of a batch is one `COPY` statement); default 5,000. */
  readonly batchSize?: number;
  /** The clock for the sync log's timestamps; default the system clock. */
  readonly clock?: () => Date;
  /** The rows that replace `deviation_list` in the same transaction; none given: emptied. */
  readonly deviationLists?: readonly DeviationListRow[];
}

/** What a replace did. */
export interface ReplaceOutcome {
  /** `replaced`: the tables now hold exactly the rows given; `unchanged`: the input digest matched the last sync. */
  readonly status: "replaced" | "unchanged";
  /** The id of this run's `icao_sync_log` row. */
  readonly syncId: string;
  /** The rows given, per table. */
  readonly counts: TableCounts;
  readonly durationMs: number;
  /** What changed against the rows replaced, per table and country (nothing when `unchanged`). */
  readonly changes: StoreChanges;
}

// Transaction-scoped advisory lock taken by every replace so two syncs never interleave.
const SYNC_LOCK_KEY = "7308114215000002";
const UNDEFINED_TABLE = "42P01";

// The last successful sync's digest and counts (the input is unchanged when the digest is the same).
const LAST_SYNC_SQL = `SELECT input_digest, root_ca_count, dsc_count, crls_count, revoked_certificate_list_count
  FROM icao_sync_log WHERE status IN ('replaced', 'unchanged')
  ORDER BY finished_at DESC, started_at DESC LIMIT 1`;

// Child tables first; run in the snapshot's round trip. The four tables' deletes are left out when they
// hold no row.
const DELETE_SIDE_TABLES = ["DELETE FROM deviation_list", "DELETE FROM icao_sync_provenance"];
const DELETE_STATEMENTS = [
  ...DELETE_SIDE_TABLES,
  "DELETE FROM revoked_certificate_list",
  "DELETE FROM crls",
  "DELETE FROM dsc",
  "DELETE FROM root_ca",
];

interface LastSync {
  input_digest: string | null;
  root_ca_count: number;
  dsc_count: number;
  crls_count: number;
  revoked_certificate_list_count: number;
}

function countsOf(rows: TrustStoreRows): TableCounts {
  return {
    root_ca: rows.root_ca.length,
    dsc: rows.dsc.length,
    crls: rows.crls.length,
    revoked_certificate_list: rows.revoked_certificate_list.length,
  };
}

function failure(error: unknown, lead: string): AppError {
  if (typeof error === "object" && error !== null && (error as { code?: unknown }).code === UNDEFINED_TABLE) {
    return databaseError(
      error,
      "The trust-store tables do not exist; run the migration (certs-icao-sync migrate) first",
    );
  }
  return databaseError(error, lead);
}

/** Default rows per COPY batch. */
export const DEFAULT_BATCH_ROWS = 5000;

/**
 * Replaces the contents of the four trust-store tables with `rows` in one transaction, as the original system
 * did: delete child-first (`revoked_certificate_list`, `crls`, `dsc`, `root_ca`), bulk-insert everything
 * (binary `COPY ... FROM STDIN` in batches, not a round trip per row), commit. Readers see the old data until
 * the commit; any failure rolls back and leaves it in place. A transaction-scoped advisory lock keeps two syncs
 * from interleaving. When `inputDigest` equals the last successful sync's, nothing is rewritten. Every run,
 * failed ones included, is recorded in `icao_sync_log`. Stores what it is given: an empty `rows` clears the
 * tables. `icao_sync_provenance` is replaced in the same transaction by `rows.icao_sync_provenance` (none given:
 * emptied). What changed against the replaced rows is recorded per table and country (`icao_sync_change`, the
 * last 50 syncs) in the same transaction and returned as `changes`.
 */
export async function replaceTrustStore(
  pool: pg.Pool,
  rows: TrustStoreRows,
  options: ReplaceOptions = {},
): Promise<Result<ReplaceOutcome>> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_ROWS);
  const counts = countsOf(rows);
  return replaceTrustStoreWith(
    pool,
    async (sink) => {
      // Table by table, parents first, so every revoked entry's CRL row is already there.
      const empty: TrustStoreRows = { root_ca: [], dsc: [], crls: [], revoked_certificate_list: [] };
      for (const table of ["root_ca", "dsc", "crls", "revoked_certificate_list"] as const) {
        const all = rows[table];
        for (let at = 0; at < all.length; at += batchSize) {
          await sink.write({ ...empty, [table]: all.slice(at, at + batchSize) });
        }
      }
      const provenance = rows.icao_sync_provenance ?? [];
      for (let at = 0; at < provenance.length; at += batchSize) {
        await sink.write({ ...empty, icao_sync_provenance: provenance.slice(at, at + batchSize) });
      }
      return ok(counts);
    },
    { ...options, counts },
  );
}

/** Where a replace's rows go, batch by batch, inside its transaction. */
export interface TrustStoreSink {
  /** Sends a batch (parents before children); resolves when the next one may be built. Throws on a database error. */
  write(rows: TrustStoreRows): Promise<void>;
}

/** Options of `replaceTrustStoreWith`. */
export interface StreamedReplaceOptions extends ReplaceOptions {
  /** The counts to report when the input is unchanged; default the last successful sync's. */
  readonly counts?: TableCounts;
  /** Told the rows of each batch once PostgreSQL has stored it. */
  readonly onBatch?: (rows: number) => void;
}

/**
 * The replace transaction of `replaceTrustStore` with rows that arrive while it runs: BEGIN, the advisory lock,
 * the digest check, the child-first deletes, then `fill` writes the new rows through the sink (a streamed sync
 * parses its input meanwhile) and returns the counts, then the sync log row and COMMIT. When `fill` returns an
 * error (the input turned out broken half-way), everything rolls back, the old rows stay, and the run is not
 * logged, as if it had failed before the transaction; a database error rolls back and is logged as failed.
 */
export async function replaceTrustStoreWith(
  pool: pg.Pool,
  fill: (sink: TrustStoreSink) => Promise<Result<TableCounts>>,
  options: StreamedReplaceOptions = {},
): Promise<Result<ReplaceOutcome>> {
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const started = performance.now();
  const syncId = randomUUID();
  const noCounts: TableCounts = { root_ca: 0, dsc: 0, crls: 0, revoked_certificate_list: 0 };
  const base = {
    id: syncId,
    startedAt,
    source: options.source ?? null,
    inputDigest: options.inputDigest ?? null,
  };
  let counts = options.counts ?? noCounts;
  const replaced = await pgTransaction(
    pool,
    async (client): Promise<Result<ReplaceOutcome, RejectedInput>> => {
      // The lock, the digest check and whether the store holds anything, in one round trip: statements
      // without parameters go as one query, and come back as one result each.
      const opening = [`SELECT pg_advisory_xact_lock(${SYNC_LOCK_KEY}::bigint)`];
      if (options.lockTimeoutMs !== undefined) {
        opening.unshift(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(options.lockTimeoutMs))}`);
      }
      if (options.inputDigest !== undefined) opening.push(LAST_SYNC_SQL);
      opening.push(STORE_HELD_SQL);
      const opened = (await client.query(opening.join(";\n"))) as unknown as pg.QueryResult[];
      const held = (opened[opened.length - 1] as pg.QueryResult<{ held: boolean }>).rows[0]?.held !== false;

      if (options.inputDigest !== undefined) {
        const previous = (opened[opened.length - 2] as pg.QueryResult<LastSync>).rows[0];
        if (previous !== undefined && previous.input_digest === options.inputDigest) {
          counts = options.counts ?? {
            root_ca: previous.root_ca_count,
            dsc: previous.dsc_count,
            crls: previous.crls_count,
            revoked_certificate_list: previous.revoked_certificate_list_count,
          };
          const durationMs = performance.now() - started;
          await writeSyncLog(client, {
            ...base,
            counts,
            finishedAt: clock(),
            status: "unchanged",
            durationMs,
            message: null,
          });
          return ok({
            status: "unchanged",
            syncId,
            counts,
            durationMs,
            changes: noStoreChanges(syncId, clock()),
          });
        }
      }

      const previous = held
        ? { kind: "snapshot" as const, ...(await snapshotTrustStore(client, DELETE_STATEMENTS)) }
        : { kind: "empty" as const };
      if (!held) await client.query(DELETE_SIDE_TABLES.join(";\n"));
      const writer = new TrustStoreCopyWriter(client, options.onBatch);
      let filled: Result<TableCounts>;
      try {
        filled = await fill(writer);
      } catch (error) {
        await writer.settle();
        throw error;
      }
      // Every batch must be stored before the commit; a database error here is thrown and rolls back.
      await writer.finish();
      if (!filled.ok) return err(new RejectedInput(filled.error));
      await insertDeviationListRows(client, options.deviationLists ?? []);
      counts = filled.value;
      const recordedAt = clock();
      const durationMs = performance.now() - started;
      const changes = await recordTrustStoreChanges(client, {
        syncId,
        recordedAt,
        previous,
        log: { ...base, counts, finishedAt: clock(), status: "replaced", durationMs, message: null },
      });
      return ok({ status: "replaced", syncId, counts, durationMs, changes });
    },
  );
  if (replaced.ok) return replaced;
  if (replaced.error instanceof RejectedInput) return err(replaced.error.error);
  // The driver's own error, so the message reads as before: what failed, then the server's words.
  const appError = failure(
    replaced.error.cause ?? replaced.error,
    "Replacing the trust store failed and the previous contents were kept",
  );
  // Best effort, outside the rolled-back transaction: the failed run is recorded too.
  await writeSyncLog(pool, {
    ...base,
    counts,
    finishedAt: clock(),
    status: "failed",
    durationMs: performance.now() - started,
    message: appError.message,
  }).catch(() => undefined);
  return err(appError);
}

/** The input broke half-way (`fill` returned err): rolled back and returned as is, not logged as a failed run. */
class RejectedInput {
  constructor(readonly error: AppError) {}
}

/** The most recent sync runs, newest first (for `/info` and reports). */
export async function readSyncLog(
  pool: pg.Pool,
  options: { readonly limit?: number } = {},
): Promise<Result<SyncLogEntry[]>> {
  try {
    const result = await pool.query<{
      id: string;
      started_at: string;
      finished_at: string;
      status: SyncLogEntry["status"];
      source: string | null;
      input_digest: string | null;
      root_ca_count: number;
      dsc_count: number;
      crls_count: number;
      revoked_certificate_list_count: number;
      duration_ms: number;
      message: string | null;
    }>(
      `SELECT id, to_char(started_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
              to_char(finished_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_at, status, source, input_digest,
              root_ca_count, dsc_count, crls_count, revoked_certificate_list_count, duration_ms, message
       FROM icao_sync_log ORDER BY finished_at DESC, started_at DESC LIMIT $1`,
      [options.limit ?? 20],
    );
    return ok(
      result.rows.map((r) => ({
        id: r.id,
        startedAt: new Date(r.started_at),
        finishedAt: new Date(r.finished_at),
        status: r.status,
        source: r.source,
        inputDigest: r.input_digest,
        counts: {
          root_ca: r.root_ca_count,
          dsc: r.dsc_count,
          crls: r.crls_count,
          revoked_certificate_list: r.revoked_certificate_list_count,
        },
        durationMs: r.duration_ms,
        message: r.message,
      })),
    );
  } catch (error) {
    return err(failure(error, "Reading the sync log failed"));
  }
}

/** How many rows each trust-store table holds. */
export async function countTrustStore(pool: pg.Pool): Promise<Result<TableCounts>> {
  try {
    const result = await pool.query<{ root_ca: string; dsc: string; crls: string; revoked: string }>(
      `SELECT (SELECT count(*) FROM root_ca) AS root_ca, (SELECT count(*) FROM dsc) AS dsc,
              (SELECT count(*) FROM crls) AS crls, (SELECT count(*) FROM revoked_certificate_list) AS revoked`,
    );
    const row = result.rows[0];
    return ok({
      root_ca: Number(row?.root_ca ?? 0),
      dsc: Number(row?.dsc ?? 0),
      crls: Number(row?.crls ?? 0),
      revoked_certificate_list: Number(row?.revoked ?? 0),
    });
  } catch (error) {
    return err(failure(error, "Counting the trust-store rows failed"));
  }
}
