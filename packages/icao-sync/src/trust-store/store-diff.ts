import { databaseError } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import type pg from "pg";
import { insertSyncLogSql, type SyncLogEntry, syncLogValues } from "./sync-log.js";

/** The tables whose changes a sync records. */
export type ChangedTable = "root_ca" | "dsc" | "crls" | "revoked_certificate_list";

/** How one table (or one country of it) changed. */
export interface ChangeCounts {
  /** Rows the previous store did not hold (certificates and CRLs by SHA-256 of the DER, CRLs by issuer, revoked entries by CRL issuer and serial). */
  readonly added: number;
  /** Rows of the previous store that are gone. */
  readonly removed: number;
  /** CRLs only: an issuer whose CRL is now a different one (a newer one, unless a rollback was allowed). */
  readonly replaced: number;
}

/** One added, removed or replaced row, as far as its identity goes. */
export interface ChangedEntry {
  readonly change: "added" | "removed" | "replaced";
  /** RFC 4514 issuer (of the certificate, the CRL, or the CRL holding the revoked entry). */
  readonly issuer: string | null;
  /** `isn`: the serial number of the certificate or of the revoked entry; null for CRLs. */
  readonly serial: string | null;
  /** Lowercase hex SHA-256 of the certificate or CRL DER (the new one for a replaced CRL); null for revoked entries. */
  readonly sha256: string | null;
  /** A replaced CRL only: the SHA-256 of the CRL it replaced. */
  readonly previousSha256?: string;
}

/** The changes of one table in one country. */
export interface CountryChanges extends ChangeCounts {
  readonly table: ChangedTable;
  /** The upper-cased `C` of the issuer; null when the issuer has none. */
  readonly country: string | null;
  /** The first `ENTRIES_PER_GROUP` entries of each kind of change, ordered by issuer and serial. */
  readonly entries: readonly ChangedEntry[];
}

/** What one sync changed in the trust store, compared with the rows it replaced. */
export interface StoreChanges {
  /** The sync (`icao_sync_log` id) that made these changes. */
  readonly syncId: string;
  /** ISO 8601 UTC. */
  readonly recordedAt: string;
  /** The store held no row before this sync, so everything was added. */
  readonly firstSync: boolean;
  /** Per table, all countries together. */
  readonly tables: Readonly<Record<ChangedTable, ChangeCounts>>;
  /** One entry per table and country with any change, ordered by table, then country (null last). */
  readonly countries: readonly CountryChanges[];
}

/** The last successful sync and what it changed, from `readLastSyncChanges`. */
export interface LastSyncChanges {
  readonly syncId: string;
  /** `unchanged`: the input equalled the sync before, nothing was rewritten, so nothing changed. */
  readonly status: "replaced" | "unchanged";
  /** ISO 8601 UTC. */
  readonly finishedAt: string;
  readonly source: string | null;
  /** Null when that sync was made by a library version that did not record changes yet. */
  readonly changes: StoreChanges | null;
}

/** How many entries of each change (added, removed, replaced) a table and country keeps. */
export const ENTRIES_PER_GROUP = 20;
/** How many syncs' changes are kept; older ones are deleted by the sync that records a new one. */
export const KEPT_CHANGE_SETS = 50;

export const CHANGED_TABLES: readonly ChangedTable[] = ["root_ca", "dsc", "crls", "revoked_certificate_list"];

// The snapshot of the rows about to be replaced; gone at the end of the transaction whatever happens.
const SNAPSHOT = "icao_sync_previous_store";

// The issuer's C value, as the `crls.country` column keeps it (upper-cased), for certificates.
const countryOf = (issuer: string) => `upper(substring(${issuer} from '(?:^|[,+])C=([^,+]*)'))`;

const SNAPSHOT_SQL = `CREATE TEMP TABLE ${SNAPSHOT} ON COMMIT DROP AS
  SELECT 'root_ca'::text AS table_name, NULL::text AS country, issuer, isn, sha256(certificate) AS fingerprint
    FROM root_ca
  UNION ALL SELECT 'dsc', NULL, issuer, isn, sha256(certificate) FROM dsc
  UNION ALL SELECT 'crls', country, issuer, NULL::text, sha256(crl) FROM crls
  UNION ALL SELECT 'revoked_certificate_list', r.country, c.issuer, r.isn, NULL::bytea
    FROM revoked_certificate_list r LEFT JOIN crls c ON c.id = r.crl`;

// Whether any of the four tables holds a row: when none does, there is nothing to snapshot or compare.
export const STORE_HELD_SQL = `SELECT EXISTS (SELECT 1 FROM root_ca) OR EXISTS (SELECT 1 FROM dsc)
  OR EXISTS (SELECT 1 FROM crls) OR EXISTS (SELECT 1 FROM revoked_certificate_list) AS held`;

// Stands in for the snapshot when the store was empty: the same columns, no row.
const NO_PREVIOUS_STORE = `(SELECT NULL::text AS table_name, NULL::text AS country, NULL::text AS issuer,
  NULL::text AS isn, NULL::bytea AS fingerprint WHERE false) AS ${SNAPSHOT}`;

// Whether the snapshot holds no certificate or CRL: the sync about to write is the store's first.
const EMPTY_SQL = `SELECT NOT EXISTS (SELECT 1 FROM ${SNAPSHOT} WHERE table_name <> 'revoked_certificate_list') AS empty`;

// One statement for the end of a replace: the history row ($1 sync id, $3 time, $4 first sync), the records
// of all but the last $5 syncs dropped (this one counted, though not yet visible to the DELETE), the sync log
// row ($6...), and the set differences of the snapshot and the rows now in the tables, per table and country
// the counts and the first $2 entries of each change, returned as inserted: no row travels to the client
// but those, and nothing is read back. `previous` is the snapshot, or NO_PREVIOUS_STORE.
const recordSql = (previous: string) => `WITH
  history AS (
    INSERT INTO icao_sync_history (sync_id, recorded_at, first_sync) VALUES ($1::uuid, $3::timestamp, $4::boolean)),
  pruned AS (
    DELETE FROM icao_sync_history WHERE sync_id NOT IN (
      SELECT sync_id FROM (SELECT sync_id, recorded_at FROM icao_sync_history
                           UNION ALL SELECT $1::uuid, $3::timestamp) AS kept
      ORDER BY recorded_at DESC, sync_id LIMIT $5)),
  logged AS (${insertSyncLogSql(6)}),
  cert_now AS MATERIALIZED (
    SELECT 'root_ca'::text AS table_name, issuer, isn, sha256(certificate) AS fingerprint FROM root_ca
    UNION ALL SELECT 'dsc', issuer, isn, sha256(certificate) FROM dsc),
  cert_before AS MATERIALIZED (
    SELECT table_name, issuer, isn, fingerprint FROM ${previous} WHERE table_name IN ('root_ca', 'dsc')),
  cert_changes AS (
    SELECT DISTINCT n.table_name, 'added' AS change, n.issuer, n.isn, n.fingerprint, NULL::bytea AS previous
      FROM cert_now n
      WHERE NOT EXISTS (SELECT 1 FROM cert_before b WHERE b.table_name = n.table_name AND b.fingerprint = n.fingerprint)
    UNION ALL
    SELECT DISTINCT b.table_name, 'removed', b.issuer, b.isn, b.fingerprint, NULL::bytea
      FROM cert_before b
      WHERE NOT EXISTS (SELECT 1 FROM cert_now n WHERE n.table_name = b.table_name AND n.fingerprint = b.fingerprint)),
  crl_now AS (
    SELECT coalesce(issuer, '') AS issuer_key, min(issuer) AS issuer, min(country) AS country,
           array_agg(sha256(crl) ORDER BY sha256(crl)) AS prints
    FROM crls GROUP BY coalesce(issuer, '')),
  crl_before AS (
    SELECT coalesce(issuer, '') AS issuer_key, min(issuer) AS issuer, min(country) AS country,
           array_agg(fingerprint ORDER BY fingerprint) AS prints
    FROM ${previous} WHERE table_name = 'crls' GROUP BY coalesce(issuer, '')),
  crl_changes AS (
    SELECT CASE WHEN b.prints IS NULL THEN 'added' WHEN n.prints IS NULL THEN 'removed' ELSE 'replaced' END AS change,
           coalesce(n.country, b.country) AS country, coalesce(n.issuer, b.issuer) AS issuer,
           coalesce(n.prints[1], b.prints[1]) AS fingerprint,
           CASE WHEN n.prints IS NOT NULL THEN b.prints[1] END AS previous
    FROM crl_now n FULL JOIN crl_before b ON n.issuer_key = b.issuer_key
    WHERE n.prints IS DISTINCT FROM b.prints),
  revoked_now AS MATERIALIZED (
    SELECT r.country, c.issuer, r.isn FROM revoked_certificate_list r LEFT JOIN crls c ON c.id = r.crl),
  revoked_before AS MATERIALIZED (
    SELECT country, issuer, isn FROM ${previous} WHERE table_name = 'revoked_certificate_list'),
  revoked_changes AS (
    SELECT DISTINCT 'added' AS change, n.country, n.issuer, n.isn FROM revoked_now n
      WHERE NOT EXISTS (SELECT 1 FROM revoked_before b WHERE b.issuer IS NOT DISTINCT FROM n.issuer
                        AND b.isn IS NOT DISTINCT FROM n.isn)
    UNION ALL
    SELECT DISTINCT 'removed', b.country, b.issuer, b.isn FROM revoked_before b
      WHERE NOT EXISTS (SELECT 1 FROM revoked_now n WHERE n.issuer IS NOT DISTINCT FROM b.issuer
                        AND n.isn IS NOT DISTINCT FROM b.isn)),
  changes AS (
    SELECT table_name, change, ${countryOf("issuer")} AS country, issuer, isn, fingerprint, previous FROM cert_changes
    UNION ALL SELECT 'crls', change, country, issuer, NULL::text, fingerprint, previous FROM crl_changes
    UNION ALL SELECT 'revoked_certificate_list', change, country, issuer, isn, NULL::bytea, NULL::bytea
      FROM revoked_changes),
  ranked AS (
    SELECT *, row_number() OVER (PARTITION BY table_name, country, change ORDER BY issuer, isn, fingerprint) AS rank
    FROM changes)
INSERT INTO icao_sync_change (sync_id, table_name, country, added, removed, replaced, entries)
SELECT $1::uuid, table_name, country,
       count(*) FILTER (WHERE change = 'added'), count(*) FILTER (WHERE change = 'removed'),
       count(*) FILTER (WHERE change = 'replaced'),
       coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('change', change, 'issuer', issuer, 'serial', isn,
                  'sha256', encode(fingerprint, 'hex'), 'previousSha256', encode(previous, 'hex'))))
                FILTER (WHERE rank <= $2), '[]'::jsonb)
FROM ranked GROUP BY table_name, country
RETURNING table_name, country, added, removed, replaced, entries`;
const RECORD_SQL = recordSql(SNAPSHOT);
const RECORD_FIRST_SQL = recordSql(NO_PREVIOUS_STORE);

function timestamp(date: Date): string {
  // TIMESTAMP WITHOUT TIME ZONE holds UTC here, as in the sync log.
  return date.toISOString().replace("T", " ").replace("Z", "");
}

/**
 * Keeps the identities of the rows about to be replaced (SHA-256 of each certificate and CRL, issuer and
 * serial of each revoked entry) in a temporary table of the transaction, then runs `then` (statements without
 * parameters, such as the deletes) in the same round trip. Returns whether the store held no certificate or
 * CRL (the coming sync is its first).
 */
export async function snapshotTrustStore(
  client: pg.PoolClient,
  then: readonly string[] = [],
): Promise<{ readonly firstSync: boolean }> {
  // Without parameters, several statements travel as one simple query and come back as one result each.
  const results = (await client.query(
    [SNAPSHOT_SQL, EMPTY_SQL, ...then].join(";\n"),
  )) as unknown as pg.QueryResult<{ empty: boolean }>[];
  return { firstSync: results[1]?.rows[0]?.empty ?? true };
}

interface ChangeRow {
  table_name: ChangedTable;
  country: string | null;
  added: number;
  removed: number;
  replaced: number;
  entries: {
    change: ChangedEntry["change"];
    issuer?: string;
    serial?: string;
    sha256?: string;
    previousSha256?: string;
  }[];
}

const CHANGE_ORDER = { added: 0, removed: 1, replaced: 2 } as const;

// By UTF-16 code units, as the same in every locale (and without loading ICU's collation data, which costs a
// fresh process several milliseconds).
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function changesOf(
  syncId: string,
  recordedAt: Date,
  firstSync: boolean,
  rows: readonly ChangeRow[],
): StoreChanges {
  const tables = Object.fromEntries(
    CHANGED_TABLES.map((t) => [t, { added: 0, removed: 0, replaced: 0 }]),
  ) as Record<ChangedTable, { added: number; removed: number; replaced: number }>;
  const countries: CountryChanges[] = rows.map((row) => {
    const total = tables[row.table_name];
    total.added += row.added;
    total.removed += row.removed;
    total.replaced += row.replaced;
    const entries = row.entries
      .map((e) => ({
        change: e.change,
        issuer: e.issuer ?? null,
        serial: e.serial ?? null,
        sha256: e.sha256 ?? null,
        ...(e.previousSha256 === undefined ? {} : { previousSha256: e.previousSha256 }),
      }))
      .sort(
        (a, b) =>
          CHANGE_ORDER[a.change] - CHANGE_ORDER[b.change] ||
          byCodeUnits(a.issuer ?? "", b.issuer ?? "") ||
          byCodeUnits(a.serial ?? "", b.serial ?? ""),
      );
    return {
      table: row.table_name,
      country: row.country,
      added: row.added,
      removed: row.removed,
      replaced: row.replaced,
      entries,
    };
  });
  countries.sort(
    (a, b) =>
      CHANGED_TABLES.indexOf(a.table) - CHANGED_TABLES.indexOf(b.table) ||
      (a.country === null ? 1 : 0) - (b.country === null ? 1 : 0) ||
      byCodeUnits(a.country ?? "", b.country ?? ""),
  );
  return { syncId, recordedAt: recordedAt.toISOString(), firstSync, tables, countries };
}

/** No change at all: what a sync whose input equalled the last one's did. */
export function noStoreChanges(syncId: string, recordedAt: Date): StoreChanges {
  return changesOf(syncId, recordedAt, false, []);
}

const SELECT_CHANGES =
  "SELECT table_name, country, added, removed, replaced, entries FROM icao_sync_change WHERE sync_id = $1";

/** What `recordTrustStoreChanges` writes besides the changes. */
export interface ChangeRecord {
  readonly syncId: string;
  readonly recordedAt: Date;
  /**
   * `snapshot`: `snapshotTrustStore` kept the replaced rows (and said whether the store was new); `empty`: the
   * four tables held no row (`STORE_HELD_SQL`), so no snapshot was taken and everything is added.
   */
  readonly previous: { readonly kind: "snapshot"; readonly firstSync: boolean } | { readonly kind: "empty" };
  /** This run's sync log row, written by the same statement. */
  readonly log: SyncLogEntry;
}

/**
 * Compares the rows now in the tables with the snapshot `snapshotTrustStore` took (or with nothing, for a
 * store that was empty), records the difference
 * per table and country in `icao_sync_history`/`icao_sync_change`, drops the records of all but the last
 * `KEPT_CHANGE_SETS` syncs and writes the sync log row, in one statement of the transaction, and returns
 * the difference. The snapshot goes with the transaction. Throws on a database error.
 */
export async function recordTrustStoreChanges(
  client: pg.PoolClient,
  record: ChangeRecord,
): Promise<StoreChanges> {
  const { syncId, recordedAt, previous } = record;
  const firstSync = previous.kind === "empty" || previous.firstSync;
  const rows = await client.query<ChangeRow>(previous.kind === "empty" ? RECORD_FIRST_SQL : RECORD_SQL, [
    syncId,
    ENTRIES_PER_GROUP,
    timestamp(recordedAt),
    firstSync,
    KEPT_CHANGE_SETS,
    ...syncLogValues(record.log),
  ]);
  return changesOf(syncId, recordedAt, firstSync, rows.rows);
}

/**
 * The last successful sync (`replaced` or `unchanged`, from any process) and what it changed in the trust
 * store; ok(null) when no sync has succeeded yet (or the schema was never migrated). DATABASE_ERROR when the
 * store cannot be read.
 */
export async function readLastSyncChanges(pool: pg.Pool): Promise<Result<LastSyncChanges | null>> {
  try {
    // A store never migrated has never been synced either.
    const schema = await pool.query<{ logged: boolean }>(
      "SELECT to_regclass('icao_sync_log') IS NOT NULL AS logged",
    );
    if (schema.rows[0]?.logged !== true) return ok(null);
    const last = await pool.query<{
      id: string;
      status: "replaced" | "unchanged";
      finished_at: string;
      source: string | null;
      recorded_at: string | null;
      first_sync: boolean | null;
    }>(
      `SELECT l.id, l.status, to_char(l.finished_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_at, l.source,
              to_char(h.recorded_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at, h.first_sync
       FROM icao_sync_log l LEFT JOIN icao_sync_history h ON h.sync_id = l.id
       WHERE l.status IN ('replaced', 'unchanged')
       ORDER BY l.finished_at DESC, l.started_at DESC LIMIT 1`,
    );
    const sync = last.rows[0];
    if (sync === undefined) return ok(null);
    const base = { syncId: sync.id, status: sync.status, finishedAt: sync.finished_at, source: sync.source };
    if (sync.status === "unchanged") {
      return ok({ ...base, changes: noStoreChanges(sync.id, new Date(sync.finished_at)) });
    }
    if (sync.recorded_at === null) return ok({ ...base, changes: null });
    const rows = await pool.query<ChangeRow>(SELECT_CHANGES, [sync.id]);
    return ok({
      ...base,
      changes: changesOf(sync.id, new Date(sync.recorded_at), sync.first_sync === true, rows.rows),
    });
  } catch (error) {
    const undefinedTable = (error as { code?: unknown } | null)?.code === "42P01";
    return err(
      databaseError(
        error,
        undefinedTable
          ? "The trust-store tables do not exist or predate change records; run the migration (certs-icao-sync migrate) first"
          : "Reading the last sync's changes failed",
      ),
    );
  }
}
