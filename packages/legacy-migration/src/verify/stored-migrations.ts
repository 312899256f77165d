import { placeholders, type SqlDialect } from "@certs/db";
import { LEDGER_TABLES } from "../schema/ledger-schema.js";
import type { StoredMigration, Text } from "./compare-certificate.js";

/** A DATETIME/timestamp column as `YYYY-MM-DD HH:MM:SS` text, whatever the driver or the machine's zone. */
export function dateText(dialect: SqlDialect, column: string): string {
  return dialect === "postgres"
    ? `to_char(${column}, 'YYYY-MM-DD HH24:MI:SS')`
    : `DATE_FORMAT(${column}, '%Y-%m-%d %H:%i:%s')`;
}

const CERTIFICATE_TEXT_COLUMNS = [
  "serial_number",
  "status",
  "device_id",
  "installed_by_id",
  "calibrated_by_id",
  "installed_by_user_id",
  "calibrated_by_user_id",
  "dealer_id",
  "user_id",
  "installed_for_id",
  "vehicle_id",
  "km_reading",
  "speed_limit",
  "print_count",
  "renewal_count",
  "description",
  "country_id",
] as const;
const CERTIFICATE_DATE_COLUMNS = [
  "installation_date",
  "calibration_date",
  "expiry_date",
  "cancellation_date",
  "created_at",
  "updated_at",
] as const;
const VEHICLE_TEXT_COLUMNS = [
  "brand",
  "model",
  "vehicle_no",
  "vehicle_chassis_no",
  "certificate_id",
] as const;

function text(value: unknown): Text {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}

/** A BOOLEAN (PostgreSQL) or TINYINT (MySQL) as `true`/`false`. */
function flag(value: unknown): Text {
  if (value === null || value === undefined) return null;
  return String(value === true || value === "t" || Number(value) === 1);
}

/**
 * Reads the ledger rows of these legacy ids with the certificate, vehicle and technicians each points at,
 * in one statement, every value as text (dates formatted by the server, so no zone touches them).
 */
export async function readStoredMigrations(
  query: (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>,
  dialect: SqlDialect,
  legacyIds: readonly number[],
): Promise<StoredMigration[]> {
  if (legacyIds.length === 0) return [];
  const select = [
    "l.legacy_certificate_id AS l_legacy_id",
    "l.new_certificate_id AS l_new_id",
    "l.source AS l_source",
    "c.id AS c_id",
    ...CERTIFICATE_TEXT_COLUMNS.map((column) => `c.${column} AS c_${column}`),
    ...CERTIFICATE_DATE_COLUMNS.map((column) => `${dateText(dialect, `c.${column}`)} AS c_${column}`),
    "c.cancelled AS c_cancelled",
    "ti.email AS ti_email",
    "ti.dealer_id AS ti_dealer",
    "tc.email AS tc_email",
    "tc.dealer_id AS tc_dealer",
    "v.id AS v_id",
    ...VEHICLE_TEXT_COLUMNS.map((column) => `v.${column} AS v_${column}`),
    "v.new_registration AS v_new_registration",
  ];
  const rows = await query(
    `SELECT ${select.join(", ")}
       FROM ${LEDGER_TABLES.ledger} l
       LEFT JOIN certificates c ON c.id = l.new_certificate_id
       LEFT JOIN technicians ti ON ti.id = c.installed_by_id
       LEFT JOIN technicians tc ON tc.id = c.calibrated_by_id
       LEFT JOIN vehicles v ON v.id = c.vehicle_id
      WHERE l.legacy_certificate_id IN (${placeholders(dialect, legacyIds.length)})`,
    [...legacyIds],
  );
  const key = (email: unknown, dealer: unknown): Text =>
    email === null || email === undefined
      ? null
      : `${String(email).trim().toLowerCase()}\u0000${text(dealer)}`;
  return rows.map((row): StoredMigration => {
    const certificateColumns: Record<string, Text> = {};
    for (const column of [...CERTIFICATE_TEXT_COLUMNS, ...CERTIFICATE_DATE_COLUMNS])
      certificateColumns[column] = text(row[`c_${column}`]);
    certificateColumns["cancelled"] = flag(row["c_cancelled"]);
    const vehicleColumns: Record<string, Text> = {};
    for (const column of VEHICLE_TEXT_COLUMNS) vehicleColumns[column] = text(row[`v_${column}`]);
    vehicleColumns["new_registration"] = flag(row["v_new_registration"]);
    return {
      legacyId: Number(row["l_legacy_id"]),
      newCertificateId: row["l_new_id"] === null ? null : Number(row["l_new_id"]),
      source: String(row["l_source"]),
      certificate:
        row["c_id"] === null || row["c_id"] === undefined
          ? null
          : {
              id: Number(row["c_id"]),
              columns: certificateColumns,
              installedByKey: key(row["ti_email"], row["ti_dealer"]),
              calibratedByKey: key(row["tc_email"], row["tc_dealer"]),
            },
      vehicle:
        row["v_id"] === null || row["v_id"] === undefined
          ? null
          : { id: String(row["v_id"]), columns: vehicleColumns },
    };
  });
}
