import { databaseError, placeholder, placeholders, sqlDialect, type SqlDialect } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { DataSource } from "typeorm";
import { ecuKey } from "../rules/ecu.js";
import { legacyDateKindOfSqlType, type LegacyDateKind } from "../rules/legacy-date.js";

/** A legacy date as stored (text, or null) with the kind of its column, converted later by the rules. */
export interface LegacyDateValue {
  readonly raw: string | null;
  readonly kind: LegacyDateKind;
}

/** One `certificate_record` row, with the columns the migration uses, in JavaScript types. */
export interface LegacyCertificate {
  readonly id: number;
  readonly serialNumber: number | null;
  readonly ecu: string;
  readonly customerId: number | null;
  readonly installerUserId: number;
  readonly calibratorUserId: number;
  readonly installerTechnicianId: number;
  readonly calibratorTechnicianId: number;
  readonly vehicleType: string;
  readonly vehicleRegistration: string;
  readonly vehicleChassis: string;
  readonly speed: string;
  readonly kilometer: number | null;
  readonly installationDate: LegacyDateValue;
  readonly calibrationDate: LegacyDateValue;
  readonly expiryDate: LegacyDateValue;
  readonly cancellationDate: LegacyDateValue;
  readonly renewalCount: number;
  readonly dealerId: number | null;
  readonly printCount: number;
  readonly activeState: number;
  readonly description: string | null;
}

/** The four dates the migration converts, by legacy column name. */
const DATE_COLUMNS = ["date_installation", "date_calibrate", "date_expiry", "date_cancelation"] as const;
type DateColumn = (typeof DATE_COLUMNS)[number];

/** How each legacy date column stores its values (detected from information_schema). */
export type LegacyDateKinds = Readonly<Record<DateColumn, LegacyDateKind>>;

/** Which legacy records to read. */
export interface LegacySelection {
  /** Only records of this ECU (trimmed, case-insensitive). */
  readonly ecu?: string;
  /** Only these ids (a page's worth at a time). */
  readonly ids?: readonly number[];
}

interface RawRow {
  id: number | string;
  serialno: number | string | null;
  ecu: string | null;
  customer_id: number | string | null;
  installer_user_id: number | string | null;
  caliberater_user_id: number | string | null;
  installer_technician_id: number | string | null;
  caliberater_technician_id: number | string | null;
  vehicle_type: string | null;
  vehicle_registration: string | null;
  vehicle_chassis: string | null;
  speed: string | null;
  kilometer: number | string | null;
  date_installation: string | null;
  date_calibrate: string | null;
  date_expiry: string | null;
  date_cancelation: string | null;
  renewal_count: number | string | null;
  dealer_id: number | string | null;
  print_count: number | string | null;
  activstate: number | string | null;
  description: string | null;
}

function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

function textOf(value: string | Buffer | null): string {
  if (value === null) return "";
  return typeof value === "string" ? value : value.toString("utf8");
}

/** The query listing the legacy table's columns and their information_schema types, per dialect. */
const COLUMNS_SQL: Readonly<Record<SqlDialect, string>> = {
  mysql: `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, COLUMN_TYPE AS full_type FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'certificate_record'`,
  postgres: `SELECT column_name AS name, data_type AS type, data_type AS full_type FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = 'certificate_record'`,
};

/** The smallest and largest value an integer column of this type holds (bits by type name, as the servers document). */
const INTEGER_BITS: Readonly<Record<string, number>> = {
  tinyint: 8,
  smallint: 16,
  mediumint: 24,
  int: 32,
  integer: 32,
  bigint: 64,
};

/** The id range of an integer column (`unsigned` in MySQL's full type); undefined for other types. */
function integerRange(type: string, fullType: string): IdRange | undefined {
  const bits = INTEGER_BITS[type.trim().toLowerCase()];
  if (bits === undefined) return undefined;
  const unsigned = /unsigned/i.test(fullType);
  const max = unsigned ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
  return { min: unsigned ? 0 : -(2 ** (bits - 1)), max: Math.min(max, Number.MAX_SAFE_INTEGER) };
}

/** The values the legacy id column can hold. */
export interface IdRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The select expression giving a date column's value as text. MySQL: `CAST(... AS CHAR)`, as the original
 * tool read it. PostgreSQL: wall-clock types through `to_char`, so the text is `YYYY-MM-DD HH:MM:SS` whatever
 * the session's DateStyle; `timestamp with time zone` as whole epoch seconds, so the session's zone never
 * shifts it; anything else as `CAST(... AS TEXT)` (CHAR would be char(1) there). `infinity` stays text and is
 * then refused as not a date.
 */
function dateSelect(dialect: SqlDialect, column: DateColumn, sqlType: string): string {
  if (dialect === "mysql") return `CAST(${column} AS CHAR) AS ${column}`;
  const type = sqlType.trim().toLowerCase();
  const asText = `CAST(${column} AS TEXT)`;
  if (type === "timestamp with time zone") {
    const seconds = `CAST(CAST(FLOOR(EXTRACT(EPOCH FROM ${column})) AS BIGINT) AS TEXT)`;
    return `CASE WHEN isfinite(${column}) THEN ${seconds} ELSE ${asText} END AS ${column}`;
  }
  if (legacyDateKindOfSqlType(type) === "wallclock") {
    const wallClock = `to_char(${column}, 'YYYY-MM-DD HH24:MI:SS')`;
    return `CASE WHEN isfinite(${column}) THEN ${wallClock} ELSE ${asText} END AS ${column}`;
  }
  return `${asText} AS ${column}`;
}

/**
 * Reads the legacy `certificate_record` table (MySQL/MariaDB or PostgreSQL): detects how its dates are
 * stored, pages through it by id (keyset: `id > last ORDER BY id LIMIT n`, never OFFSET), and computes each
 * ECU's highest renewal count. Dates are selected as text (`CAST(... AS CHAR)` on MySQL, `to_char` or
 * `CAST(... AS TEXT)` on PostgreSQL), so no driver or machine time zone ever touches them.
 */
export class LegacyCertificateReader {
  private constructor(
    private readonly legacy: DataSource,
    private readonly dialect: SqlDialect,
    /** How each date column stores its values. */
    readonly dateKinds: LegacyDateKinds,
    /** The select list of a full record, dates as text. */
    private readonly selectList: string,
    /** The values the id column can hold (undefined when its type is not a plain integer). */
    readonly idRange: IdRange | undefined,
  ) {}

  /**
   * Inspects the legacy table's column types; a missing table or date column, or a database that is neither
   * MySQL/MariaDB nor PostgreSQL, is a CONFIGURATION_ERROR.
   */
  static async open(legacy: DataSource): Promise<Result<LegacyCertificateReader>> {
    const dialect = sqlDialect(legacy);
    if (!dialect.ok) return dialect;
    let columns: Array<{ name: string; type: string; full_type: string }>;
    try {
      columns = await legacy.query(COLUMNS_SQL[dialect.value]);
    } catch (error) {
      return err(databaseError(error, "could not inspect the legacy certificate_record table"));
    }
    const typeOf = new Map(columns.map((column) => [String(column.name).toLowerCase(), String(column.type)]));
    if (typeOf.size === 0) {
      return err(
        appError(
          ErrorCode.CONFIGURATION_ERROR,
          "The legacy database has no certificate_record table; check the legacy database URL.",
        ),
      );
    }
    const kinds: Partial<Record<DateColumn, LegacyDateKind>> = {};
    const dates: string[] = [];
    for (const column of DATE_COLUMNS) {
      const type = typeOf.get(column);
      if (type === undefined) {
        return err(
          appError(
            ErrorCode.CONFIGURATION_ERROR,
            `The legacy certificate_record table has no ${column} column.`,
          ),
        );
      }
      kinds[column] = legacyDateKindOfSqlType(type);
      dates.push(dateSelect(dialect.value, column, type));
    }
    const selectList = `id, serialno, ecu, customer_id, installer_user_id, caliberater_user_id, installer_technician_id,
      caliberater_technician_id, vehicle_type, vehicle_registration, vehicle_chassis, speed, kilometer, ${dates.join(", ")},
      renewal_count, dealer_id, print_count, activstate, description`;
    const idColumn = columns.find((column) => String(column.name).toLowerCase() === "id");
    const idRange =
      idColumn === undefined ? undefined : integerRange(String(idColumn.type), String(idColumn.full_type));
    return ok(
      new LegacyCertificateReader(legacy, dialect.value, kinds as LegacyDateKinds, selectList, idRange),
    );
  }

  /** A CONFIGURATION_ERROR naming the first id the id column cannot hold, before any query uses it. */
  checkIds(ids: readonly number[] | undefined): Result<void> {
    const range = this.idRange;
    if (ids === undefined || range === undefined) return ok(undefined);
    const outside = ids.find((id) => id < range.min || id > range.max);
    if (outside === undefined) return ok(undefined);
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        `ids: ${outside} cannot be a legacy id: certificate_record.id holds ${range.min} to ${range.max}.`,
        { details: { option: "ids", value: outside, ...range } },
      ),
    );
  }

  private toCertificate(row: RawRow): LegacyCertificate {
    const date = (column: DateColumn): LegacyDateValue => ({
      raw: row[column] === null ? null : textOf(row[column]),
      kind: this.dateKinds[column],
    });
    return {
      id: Number(row.id),
      serialNumber: numberOrNull(row.serialno),
      ecu: textOf(row.ecu),
      customerId: numberOrNull(row.customer_id),
      installerUserId: Number(row.installer_user_id ?? 0),
      calibratorUserId: Number(row.caliberater_user_id ?? 0),
      installerTechnicianId: Number(row.installer_technician_id ?? 0),
      calibratorTechnicianId: Number(row.caliberater_technician_id ?? 0),
      vehicleType: textOf(row.vehicle_type),
      vehicleRegistration: textOf(row.vehicle_registration),
      vehicleChassis: textOf(row.vehicle_chassis),
      speed: textOf(row.speed),
      kilometer: numberOrNull(row.kilometer),
      installationDate: date("date_installation"),
      calibrationDate: date("date_calibrate"),
      expiryDate: date("date_expiry"),
      cancellationDate: date("date_cancelation"),
      renewalCount: Number(row.renewal_count ?? 0),
      dealerId: numberOrNull(row.dealer_id),
      printCount: Number(row.print_count ?? 0),
      activeState: Number(row.activstate ?? 1),
      description: row.description,
    };
  }

  private conditions(selection: LegacySelection, params: unknown[]): string {
    let where = "";
    if (selection.ecu !== undefined) {
      params.push(ecuKey(selection.ecu));
      where += ` AND UPPER(TRIM(ecu)) = ${placeholder(this.dialect, params.length)}`;
    }
    if (selection.ids !== undefined) {
      where +=
        selection.ids.length === 0
          ? " AND 1 = 0"
          : ` AND id IN (${placeholders(this.dialect, selection.ids.length, params.length)})`;
      params.push(...selection.ids);
    }
    return where;
  }

  /** The placeholder of the first parameter (`afterId`). */
  private first(): string {
    return placeholder(this.dialect, 1);
  }

  /** The placeholder of the last of `params` (`limit`). */
  private last(params: readonly unknown[]): string {
    return placeholder(this.dialect, params.length);
  }

  /** The next `limit` records with id greater than `afterId`, in id order. */
  async page(
    afterId: number,
    limit: number,
    selection: LegacySelection = {},
  ): Promise<Result<LegacyCertificate[]>> {
    const params: unknown[] = [afterId];
    const where = this.conditions(selection, params);
    params.push(limit);
    try {
      const rows: RawRow[] = await this.legacy.query(
        `SELECT ${this.selectList} FROM certificate_record WHERE id > ${this.first()}${where} ORDER BY id LIMIT ${this.last(params)}`,
        params,
      );
      return ok(rows.map((row) => this.toCertificate(row)));
    } catch (error) {
      return err(databaseError(error, "could not read legacy certificates"));
    }
  }

  /** Only the ids of the next `limit` records after `afterId` (for counting what is pending). */
  async idPage(afterId: number, limit: number, selection: LegacySelection = {}): Promise<Result<number[]>> {
    const params: unknown[] = [afterId];
    const where = this.conditions(selection, params);
    params.push(limit);
    try {
      const rows: Array<{ id: number | string }> = await this.legacy.query(
        `SELECT id FROM certificate_record WHERE id > ${this.first()}${where} ORDER BY id LIMIT ${this.last(params)}`,
        params,
      );
      return ok(rows.map((row) => Number(row.id)));
    } catch (error) {
      return err(databaseError(error, "could not read legacy certificate ids"));
    }
  }

  /**
   * The highest `renewal_count` of every ECU, keyed by the normalised ECU (trimmed, case-insensitive), so
   * `' D1005E1'` and `'d1005e1'` are one renewal chain. One row per ECU, like the device cache.
   */
  async maxRenewalCounts(): Promise<Result<Map<string, number>>> {
    try {
      const rows: Array<{ ecu: string | Buffer; max_count: number | string | null }> =
        await this.legacy.query(
          "SELECT ecu, MAX(renewal_count) AS max_count FROM certificate_record GROUP BY ecu",
        );
      const max = new Map<string, number>();
      for (const row of rows) {
        const key = ecuKey(textOf(row.ecu));
        const count = Number(row.max_count ?? 0);
        if (count > (max.get(key) ?? Number.NEGATIVE_INFINITY)) max.set(key, count);
      }
      return ok(max);
    } catch (error) {
      return err(databaseError(error, "could not read the renewal counts of the legacy certificates"));
    }
  }
}
