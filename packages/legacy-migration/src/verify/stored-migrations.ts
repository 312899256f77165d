import { placeholders, type SqlDialect } from "@certs/db";
import { LEDGER_TABLES } from "../schema/ledger-schema.js";
import type { StoredCertificate, StoredMigration, StoredVehicle, Text } from "./compare-certificate.js";

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

/** The alias of each column in the query's select list (`c_` for certificates, `v_` for vehicles). */
function aliases(prefix: string, columns: readonly string[]): ReadonlyMap<string, string> {
  return new Map(columns.map((column) => [column, `${prefix}${column}`]));
}
const CERTIFICATE_ALIASES = aliases("c_", [
  ...CERTIFICATE_TEXT_COLUMNS,
  ...CERTIFICATE_DATE_COLUMNS,
  "cancelled",
]);
const VEHICLE_ALIASES = aliases("v_", [...VEHICLE_TEXT_COLUMNS, "new_registration"]);
/** Columns read as booleans. */
const FLAG_ALIASES: ReadonlySet<string> = new Set(["c_cancelled", "v_new_registration"]);

function text(value: unknown): Text {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}

/** A BOOLEAN (PostgreSQL) or TINYINT (MySQL) as `true`/`false`. */
function flag(value: unknown): Text {
  if (value === null || value === undefined) return null;
  return String(value === true || value === "t" || Number(value) === 1);
}

type Row = Record<string, unknown>;

/** A column of the driver's row as text; null for SQL NULL and for a column the query does not select. */
function columnOf(row: Row, aliasByColumn: ReadonlyMap<string, string>, column: string): Text {
  const alias = aliasByColumn.get(column);
  if (alias === undefined) return null;
  return FLAG_ALIASES.has(alias) ? flag(row[alias]) : text(row[alias]);
}

function technicianKeyOf(email: unknown, dealer: unknown): Text {
  return email === null || email === undefined
    ? null
    : `${String(email).trim().toLowerCase()}\u0000${text(dealer)}`;
}

/**
 * One ledger row as the driver returned it, read on demand: a page waiting for its comparison holds the
 * driver's compact row objects only, not a copy of every value (which doubled a page's memory).
 */
class StoredMigrationRow implements StoredMigration {
  constructor(private readonly row: Row) {}

  get legacyId(): number {
    return Number(this.row["l_legacy_id"]);
  }

  get newCertificateId(): number | null {
    const id = this.row["l_new_id"];
    return id === null || id === undefined ? null : Number(id);
  }

  get source(): string {
    return String(this.row["l_source"]);
  }

  get certificate(): StoredCertificate | null {
    const id = this.row["c_id"];
    return id === null || id === undefined ? null : new StoredCertificateColumns(Number(id), this.row);
  }

  get vehicle(): StoredVehicle | null {
    const id = this.row["v_id"];
    return id === null || id === undefined ? null : new StoredVehicleColumns(String(id), this.row);
  }
}

/** The certificate columns of a {@link StoredMigrationRow}. */
class StoredCertificateColumns implements StoredCertificate {
  constructor(
    readonly id: number,
    private readonly row: Row,
  ) {}

  column(name: string): Text {
    return columnOf(this.row, CERTIFICATE_ALIASES, name);
  }

  get installedByKey(): Text {
    return technicianKeyOf(this.row["ti_email"], this.row["ti_dealer"]);
  }

  get calibratedByKey(): Text {
    return technicianKeyOf(this.row["tc_email"], this.row["tc_dealer"]);
  }
}

/** The vehicle columns of a {@link StoredMigrationRow}. */
class StoredVehicleColumns implements StoredVehicle {
  constructor(
    readonly id: string,
    private readonly row: Row,
  ) {}

  column(name: string): Text {
    return columnOf(this.row, VEHICLE_ALIASES, name);
  }
}

/**
 * Reads the ledger rows of these legacy ids with the certificate, vehicle and technicians each points at,
 * in one statement, every value as text (dates formatted by the server, so no zone touches them).
 */
export async function readStoredMigrations(
  query: (sql: string, params: unknown[]) => Promise<Row[]>,
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
  return rows.map((row) => new StoredMigrationRow(row));
}
