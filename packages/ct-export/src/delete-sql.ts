import { placeholder, placeholders } from "@certs/db";
import type { CertsTableShape } from "./certs-table-columns.js";

const DECIMAL_ID = /^-?[0-9]{1,20}$/;

/**
 * The DELETE for exactly these ids. On MySQL/MariaDB the ids are joined as a derived table so InnoDB looks
 * each row up by primary key: `WHERE id IN (...)` becomes a range scan that also locks the row after the
 * range, which the next pipelined claim (or another exporter) holds, and would wait for it.
 */
export function deleteSql(
  shape: CertsTableShape,
  ids: readonly string[],
  entry?: JournalEntryKey,
): [string, unknown[]] {
  if (shape.dialect === "postgres") {
    const rows = `DELETE FROM ${shape.table} WHERE id IN (${placeholders(shape.dialect, ids.length)})`;
    if (entry === undefined) return [rows, [...ids]];
    // A data-modifying CTE: the entry goes in the same statement (and round trip) as its rows.
    const key = placeholder(shape.dialect, ids.length + 1);
    return [`WITH entry AS (DELETE FROM ${entry.table} WHERE batch = ${key}) ${rows}`, [...ids, entry.batch]];
  }
  for (const id of ids) {
    // The ids come from CAST(id AS CHAR) of our own claim; anything else is a bug, never inlined.
    if (!DECIMAL_ID.test(id)) throw new TypeError(`not a decimal id: ${id}`);
  }
  // MariaDB parses one SELECT and a list of values much faster than a UNION of a thousand SELECTs.
  const [first, ...rest] = ids;
  const derived =
    shape.valuesLists && rest.length > 0
      ? `SELECT ${first} AS id UNION ALL VALUES ${rest.map((id) => `(${id})`).join(", ")}`
      : ids.map((id) => `SELECT ${id} AS id`).join(" UNION ALL ");
  // STRAIGHT_JOIN and FORCE INDEX keep that plan even when the optimizer thinks the table is small.
  const join = `(${derived}) AS d STRAIGHT_JOIN ${shape.table} AS c FORCE INDEX (PRIMARY) ON c.id = d.id`;
  if (entry === undefined) return [`DELETE c FROM ${join}`, []];
  // A multi-table DELETE: the entry (looked up by its key) goes with its rows; affected rows count both.
  return [`DELETE c, j FROM ${join} LEFT JOIN ${entry.table} AS j ON j.batch = ?`, [entry.batch]];
}

/** A journal entry to delete in the same statement as its rows: the journal table and the entry's key. */
export interface JournalEntryKey {
  readonly table: string;
  readonly batch: string;
}
