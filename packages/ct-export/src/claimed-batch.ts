import { databaseError, placeholder, transaction } from "@certs/db";
import { ok, err, type AppError, type Result } from "@certs/result";
import type { DataSource, QueryRunner } from "typeorm";
import type { CertsTableShape } from "./certs-table-columns.js";
import { deleteSql } from "./delete-sql.js";
import type { DatabaseJournalEntry } from "./journal/database-journal.js";

/**
 * A claimed row, SQL NULL kept as null. From MySQL/MariaDB `ct_entry` is its UTF-8 bytes (a slice of the
 * driver's read buffer, so the batch's largest field lives outside the JavaScript heap until its file is
 * written); from PostgreSQL it is text.
 */
export interface ClaimedRow {
  readonly id: string;
  readonly ct_entry: string | Uint8Array | null;
  readonly ct_log_url: string | null;
  readonly log_name: string | null;
  readonly worker_name: string | null;
  /** Decimal text as the database casts it; null for SQL NULL. */
  readonly ct_index: string | null;
  readonly ip_address: string | null;
  /**
   * The column whose value did not arrive whole, or null: past `max_allowed_packet` MariaDB sends NULL (with
   * warning 1301) where the column holds data, which the claim tells apart by the length it selects alongside.
   */
  readonly unreadable: string | null;
}

/** A row that can be written as it is: its ct_index is an exact integer and every value arrived whole. */
export type ExportableRow = Omit<ClaimedRow, "ct_index"> & { readonly ct_index: string };

/**
 * Rows claimed by one open transaction (none in a dry run): their locks hold until `deleteAndCommit` or
 * `release`. Its functions do not use `this`, so the exporter keeps them without keeping the rows.
 */
export interface ClaimedBatch {
  readonly rows: readonly ClaimedRow[];
  readonly ids: readonly string[];
  /** Open journal entries (read in the claim's transaction) covering any claimed or rechecked id. */
  readonly journalEntries: readonly DatabaseJournalEntry[];
  /** Ids blocked by journal entries before this claim, whose entries the claim read again. */
  readonly recheckedIds: readonly string[];
  /**
   * Whether the claim's transaction is still open on the server (its locks held): asked after the batch's
   * journal entry is committed and before its file is published.
   */
  stillHeld(): Promise<boolean>;
  /**
   * Deletes exactly the claimed ids (or the given subset of them), and the journal entry `journalBatch` with
   * them, and commits; the connection goes back to the pool either way.
   */
  deleteAndCommit(ids?: readonly string[], journalBatch?: string): Promise<Result<number, AppError>>;
  /** Rolls back (the rows stay, unlocked); never fails. */
  release(): Promise<void>;
}

/** Which rows to claim. */
export interface ClaimQuery {
  readonly batchSize: number;
  /** Only ids above this (the cursor past skipped batches, or a dry run's progress). */
  readonly afterId: string | null;
  /** Ids another live exporter has published but not yet deleted. */
  readonly excludeIds: readonly string[];
  /** False for a dry run: a plain read, no transaction, nothing locked. */
  readonly lock: boolean;
}

/**
 * Reads the oldest `batchSize` rows without locking them (a dry run), as a batch whose delete and release
 * do nothing. BIGINT columns are cast to text in SQL, so no driver setting can round them. Locked claims
 * are `ClaimSessions.claim`.
 */
export async function readBatch(
  dataSource: DataSource,
  shape: CertsTableShape,
  query: Omit<ClaimQuery, "lock">,
): Promise<Result<ClaimedBatch, AppError>> {
  const { sql, parameters } = claimSql(shape, { ...query, lock: false });
  try {
    const raw = (await dataSource.query(sql, parameters)) as Record<string, unknown>[];
    return ok(unlockedBatch(raw.map((row) => toClaimedRow(row, shape))));
  } catch (error) {
    return err(databaseError(error, `could not read rows from ${shape.table}`));
  }
}

export function claimSql(shape: CertsTableShape, query: ClaimQuery): { sql: string; parameters: unknown[] } {
  const mysql = shape.dialect === "mysql";
  const parameters: unknown[] = [];
  const param = (value: unknown): string => {
    parameters.push(value);
    return placeholder(shape.dialect, parameters.length);
  };
  const text = (column: string) => (mysql ? `CAST(${column} AS CHAR)` : `${column}::text`);
  const columns = [
    // Aliases differ from the column names, so ORDER BY id sorts numbers, not their text.
    `${text("id")} AS id_text`,
    mysql ? entryBytes(shape) : "ct_entry",
    // MariaDB answers NULL (warning 1301) for a value longer than max_allowed_packet; its length tells.
    ...(mysql ? ["LENGTH(ct_entry) AS ct_entry_length"] : []),
    "ct_log_url",
    "log_name",
    "worker_name",
    `${text("ct_index")} AS ct_index_text`,
    shape.hasIpAddress ? "ip_address" : "NULL AS ip_address",
  ];
  const conditions: string[] = [];
  if (query.afterId !== null) conditions.push(`id > ${param(query.afterId)}`);
  if (query.excludeIds.length > 0) {
    conditions.push(`id NOT IN (${query.excludeIds.map((id) => param(id)).join(", ")})`);
  }
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
  const lock = query.lock ? " FOR UPDATE SKIP LOCKED" : "";
  const sql = `SELECT ${columns.join(", ")} FROM ${shape.table}${where} ORDER BY id LIMIT ${param(query.batchSize)}${lock}`;
  return { sql, parameters };
}

/**
 * MySQL/MariaDB: `ct_entry` as its UTF-8 bytes (a binary string, which mysql2 hands over as a Buffer), converted
 * first only when the column holds another character set.
 */
function entryBytes(shape: CertsTableShape): string {
  const utf8 = shape.ctEntryIsUtf8 ? "ct_entry" : "CONVERT(ct_entry USING utf8mb4)";
  return `CAST(${utf8} AS BINARY) AS ct_entry`;
}

/** Deletes the given ids in a transaction of its own (for reconciling published batches). */
export async function deleteIds(
  dataSource: DataSource,
  shape: CertsTableShape,
  ids: readonly string[],
): Promise<Result<number, AppError>> {
  if (ids.length === 0) return ok(0);
  const deleted = await transaction(
    dataSource,
    async (_manager, runner) => ok(await deleteWhereIdIn(runner, shape, ids)),
    { isolation: "READ COMMITTED" },
  );
  if (deleted.ok) return deleted;
  return err(
    databaseError(deleted.error.cause ?? deleted.error, `could not delete exported rows from ${shape.table}`),
  );
}

function unlockedBatch(rows: ClaimedRow[]): ClaimedBatch {
  return {
    rows,
    ids: rows.map((row) => row.id),
    journalEntries: [],
    recheckedIds: [],
    stillHeld: () => Promise.resolve(true),
    deleteAndCommit: () => Promise.resolve(ok(0)),
    release: () => Promise.resolve(),
  };
}

async function deleteWhereIdIn(
  runner: QueryRunner,
  shape: CertsTableShape,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = (await runner.query(...deleteSql(shape, ids), true)) as { affected?: number };
  return result.affected ?? 0;
}

/** A row as the driver returned it; SQL NULL stays null (never the text "null"). */
export function toClaimedRow(raw: Record<string, unknown>, shape: CertsTableShape): ClaimedRow {
  const entry = raw["ct_entry"];
  const ctEntry =
    entry === null || entry === undefined ? null : entry instanceof Uint8Array ? entry : String(entry);
  return {
    id: String(raw["id_text"]),
    ct_entry: ctEntry,
    ct_log_url: nullableText(raw["ct_log_url"]),
    log_name: nullableText(raw["log_name"]),
    worker_name: nullableText(raw["worker_name"]),
    ct_index: nullableText(raw["ct_index_text"]),
    ip_address: nullableText(raw["ip_address"]),
    unreadable: entryArrivedWhole(ctEntry, raw["ct_entry_length"], shape) ? null : "ct_entry",
  };
}

function nullableText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/**
 * Whether `ct_entry` holds what the table holds: NULL only where the column is NULL and, for a UTF-8 column
 * read as bytes, exactly `LENGTH(ct_entry)` bytes. PostgreSQL selects no length: its driver gets values whole or fails.
 */
function entryArrivedWhole(
  entry: string | Uint8Array | null,
  length: unknown,
  shape: CertsTableShape,
): boolean {
  if (shape.dialect !== "mysql" || length === undefined) return true;
  if (length === null) return entry === null;
  if (entry === null) return false;
  return !(shape.ctEntryIsUtf8 && entry instanceof Uint8Array) || entry.byteLength === Number(length);
}
