import { placeholder, type SqlDialect } from "@certs/db";
import { LEDGER_TABLES } from "../schema/ledger-schema.js";
import type { Discrepancy } from "./discrepancy.js";

type Query = (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;

const PAGE = 1000;

function discrepancy(fields: Partial<Discrepancy> & Pick<Discrepancy, "kind" | "message">): Discrepancy {
  return {
    legacyId: null,
    certificateId: null,
    table: null,
    column: null,
    expected: null,
    actual: null,
    ...fields,
  };
}

/** Pages of a keyset query: `sql` takes the last key as its one parameter and returns rows ordered by `k`. */
async function* keyset(query: Query, sql: string, first: unknown): AsyncGenerator<Record<string, unknown>> {
  let after = first;
  for (;;) {
    const rows = await query(`${sql} LIMIT ${PAGE}`, [after]);
    yield* rows;
    const last = rows.at(-1);
    if (last === undefined || rows.length < PAGE) return;
    after = last["k"];
  }
}

/**
 * The checks of the whole destination that no single certificate shows: orphan vehicles, certificates
 * without a ledger row, ledger rows sharing a certificate, duplicate serials and duplicate technicians.
 * Each is a keyset-paged query, so a damaged table of any size streams through.
 */
export async function* destinationDiscrepancies(
  query: Query,
  dialect: SqlDialect,
): AsyncGenerator<Discrepancy> {
  const p = placeholder(dialect, 1);
  for await (const row of keyset(
    query,
    `SELECT v.id AS k, v.certificate_id AS certificate_id, c.id AS pointed_by
       FROM vehicles v LEFT JOIN certificates c ON c.vehicle_id = v.id
      WHERE v.id > ${p} AND (c.id IS NULL OR v.certificate_id IS NULL OR v.certificate_id <> c.id)
      ORDER BY v.id`,
    -1,
  )) {
    const pointedBy = row["pointed_by"] === null ? null : String(row["pointed_by"]);
    yield discrepancy({
      kind: "orphan_vehicle",
      table: "vehicles",
      column: "certificate_id",
      certificateId: row["certificate_id"] === null ? null : Number(row["certificate_id"]),
      expected: pointedBy,
      actual: row["certificate_id"] === null ? null : String(row["certificate_id"]),
      message:
        pointedBy === null
          ? `Vehicle ${String(row["k"])} belongs to no certificate.`
          : `Vehicle ${String(row["k"])} is certificate ${pointedBy}'s, but its certificate_id is ${String(row["certificate_id"] ?? "NULL")}.`,
    });
  }
  for await (const row of keyset(
    query,
    `SELECT c.id AS k FROM certificates c
      WHERE c.id > ${p} AND NOT EXISTS
        (SELECT 1 FROM ${LEDGER_TABLES.ledger} l WHERE l.new_certificate_id = c.id)
      ORDER BY c.id`,
    -1,
  )) {
    yield discrepancy({
      kind: "certificate_without_ledger",
      table: "certificates",
      certificateId: Number(row["k"]),
      message: `Certificate ${String(row["k"])} has no ledger row: no migration made it.`,
    });
  }
  for await (const row of keyset(
    query,
    `SELECT new_certificate_id AS k, COUNT(*) AS n FROM ${LEDGER_TABLES.ledger}
      WHERE new_certificate_id > ${p} GROUP BY new_certificate_id HAVING COUNT(*) > 1 ORDER BY new_certificate_id`,
    -1,
  )) {
    yield discrepancy({
      kind: "duplicate_ledger_certificate",
      table: LEDGER_TABLES.ledger,
      column: "new_certificate_id",
      certificateId: Number(row["k"]),
      actual: String(row["n"]),
      message: `${String(row["n"])} ledger rows name certificate ${String(row["k"])}.`,
    });
  }
  for await (const row of keyset(
    query,
    `SELECT serial_number AS k, COUNT(*) AS n FROM certificates
      WHERE serial_number > ${p} GROUP BY serial_number HAVING COUNT(*) > 1 ORDER BY serial_number`,
    -1,
  )) {
    yield discrepancy({
      kind: "duplicate_serial",
      table: "certificates",
      column: "serial_number",
      actual: String(row["k"]),
      message: `${String(row["n"])} certificates have serial number ${String(row["k"])}.`,
    });
  }
  for await (const row of keyset(
    query,
    `SELECT CONCAT(LOWER(email), '/', dealer_id) AS k, COUNT(*) AS n FROM technicians
      WHERE CONCAT(LOWER(email), '/', dealer_id) > ${p}
      GROUP BY CONCAT(LOWER(email), '/', dealer_id) HAVING COUNT(*) > 1 ORDER BY 1`,
    "",
  )) {
    yield discrepancy({
      kind: "duplicate_technician",
      table: "technicians",
      actual: String(row["k"]),
      message: `${String(row["n"])} technicians share the email and dealer ${String(row["k"])}.`,
    });
  }
}
