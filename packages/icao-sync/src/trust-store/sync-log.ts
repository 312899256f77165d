import type pg from "pg";

/** Row counts of the four tables. */
export interface TableCounts {
  readonly root_ca: number;
  readonly dsc: number;
  readonly crls: number;
  readonly revoked_certificate_list: number;
}

/** One row of the sync log (`icao_sync_log`). */
export interface SyncLogEntry {
  readonly id: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly status: "replaced" | "unchanged" | "failed";
  readonly source: string | null;
  readonly inputDigest: string | null;
  readonly counts: TableCounts;
  readonly durationMs: number;
  readonly message: string | null;
}

const COLUMNS =
  "(id, started_at, finished_at, status, source, input_digest, root_ca_count, dsc_count, crls_count, " +
  "revoked_certificate_list_count, duration_ms, message)";

/** How many parameters `insertSyncLogSql` takes. */
export const SYNC_LOG_PARAMETERS = 12;

function timestamp(date: Date): string {
  // TIMESTAMP WITHOUT TIME ZONE holds UTC here; a Date would be sent in the process's local zone.
  return date.toISOString().replace("T", " ").replace("Z", "");
}

/** The INSERT of one log row whose values are the parameters `$first` to `$first + 11` (see `syncLogValues`). */
export function insertSyncLogSql(first: number): string {
  const marks = Array.from({ length: SYNC_LOG_PARAMETERS }, (_, i) => `$${first + i}`);
  return `INSERT INTO icao_sync_log ${COLUMNS} VALUES (${marks.join(", ")})`;
}

/** The parameters of `insertSyncLogSql`, in order. */
export function syncLogValues(entry: SyncLogEntry): unknown[] {
  return [
    entry.id,
    timestamp(entry.startedAt),
    timestamp(entry.finishedAt),
    entry.status,
    entry.source,
    entry.inputDigest,
    entry.counts.root_ca,
    entry.counts.dsc,
    entry.counts.crls,
    entry.counts.revoked_certificate_list,
    Math.round(entry.durationMs),
    entry.message,
  ];
}

/** Writes one log row on `db` (a transaction's client, or the pool outside any); throws on a database error. */
export async function writeSyncLog(db: pg.PoolClient | pg.Pool, entry: SyncLogEntry): Promise<void> {
  await db.query(insertSyncLogSql(1), syncLogValues(entry));
}
