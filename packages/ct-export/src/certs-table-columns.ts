import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { databaseError, sqlDialect, type SqlDialect } from "@certs/db";
import type { DataSource } from "typeorm";

/** What the exporter learned about the real table at start-up. */
export interface CertsTableShape {
  readonly table: string;
  readonly dialect: SqlDialect;
  /** False for the production table, which has no `ip_address` column: every row then exports null. */
  readonly hasIpAddress: boolean;
  /**
   * MySQL/MariaDB: `ct_entry` is stored as UTF-8 (utf8mb4 or utf8mb3, or a binary string), so its bytes can be
   * read as they are; otherwise the claim converts them to utf8mb4. Always true on PostgreSQL, whose driver
   * hands over text.
   */
  readonly ctEntryIsUtf8: boolean;
  /** MariaDB 10.3 or later, whose table value constructors (`VALUES (1), (2)`) make a cheaper id list. */
  readonly valuesLists: boolean;
}

const REQUIRED = ["id", "ct_entry", "ct_log_url", "log_name", "worker_name", "ct_index"] as const;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Reads the table's columns from information_schema (current database on MySQL/MariaDB, current schema on
 * PostgreSQL): a missing table or required column is a CONFIGURATION_ERROR naming it.
 */
export async function inspectCertsTable(
  dataSource: DataSource,
  table: string,
): Promise<Result<CertsTableShape, AppError>> {
  const dialect = sqlDialect(dataSource);
  if (!dialect.ok) return dialect;
  if (!TABLE_NAME.test(table)) {
    return err(
      appError(ErrorCode.CONFIGURATION_ERROR, `The table name '${table}' is not a plain SQL identifier.`),
    );
  }
  const sql =
    dialect.value === "mysql"
      ? "SELECT column_name AS name, character_set_name AS charset, VERSION() AS version " +
        "FROM information_schema.columns " +
        "WHERE table_schema = DATABASE() AND table_name = ?"
      : "SELECT column_name AS name, NULL AS charset, NULL AS version FROM information_schema.columns " +
        "WHERE table_schema = current_schema() AND table_name = $1";
  let rows: ColumnRow[];
  try {
    rows = (await dataSource.query(sql, [table])) as ColumnRow[];
  } catch (error) {
    return err(databaseError(error, `could not read the columns of table ${table}`));
  }
  const columns = new Set(rows.map((row) => (row.name ?? row.NAME ?? "").toLowerCase()));
  // information_schema lists only the columns this user has privileges on: ask the table itself why.
  if (columns.size === 0) return err(await whyNoColumns(dataSource, dialect.value, table));
  const missing = REQUIRED.filter((column) => !columns.has(column));
  if (missing.length > 0) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        `The table ${table} lacks the column(s) ${missing.join(", ")}.`,
        {
          details: { missing },
        },
      ),
    );
  }
  const entryCharset = rows.find((row) => (row.name ?? row.NAME ?? "").toLowerCase() === "ct_entry")?.charset;
  return ok({
    table,
    dialect: dialect.value,
    hasIpAddress: columns.has("ip_address"),
    ctEntryIsUtf8: entryCharset === null || entryCharset === undefined || /^utf8/i.test(entryCharset),
    valuesLists: hasValuesLists(rows[0]?.version),
  });
}

interface ColumnRow {
  readonly name?: string;
  readonly NAME?: string;
  readonly charset?: string | null;
  readonly version?: string | null;
}

/** Whether `VERSION()` names MariaDB 10.3 or later (e.g. `10.11.19-MariaDB-0+deb12u1`). */
function hasValuesLists(version: string | null | undefined): boolean {
  const match = /^(\d+)\.(\d+)\.\d+-MariaDB/i.exec(version ?? "");
  if (match === null) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 10 || (major === 10 && minor >= 3);
}

/** Tells a table the user may not read (a privilege problem) from one that does not exist. */
async function whyNoColumns(dataSource: DataSource, dialect: SqlDialect, table: string): Promise<AppError> {
  const missing = appError(
    ErrorCode.CONFIGURATION_ERROR,
    `The table ${table} does not exist in this database.`,
  );
  try {
    await dataSource.query(`SELECT 1 FROM ${table} WHERE 1 = 0`);
    return missing;
  } catch (error) {
    const code = driverCode(error);
    if (code === undefined || MISSING_TABLE.has(code)) return missing;
    if (!DENIED.has(code)) return databaseError(error, `could not read the table ${table}`);
    return appError(
      ErrorCode.CONFIGURATION_ERROR,
      `The database user may not read the table ${table} (${dialect === "mysql" ? "SELECT command denied" : "permission denied"}): grant it SELECT and DELETE on ${table}.`,
      { cause: error, details: { privilege: "SELECT" } },
    );
  }
}

// MySQL/MariaDB error numbers (ER_TABLEACCESS_DENIED_ERROR, ER_COLUMNACCESS_DENIED_ERROR, ER_NO_SUCH_TABLE)
// and PostgreSQL SQLSTATEs (insufficient_privilege, undefined_table).
const DENIED = new Set(["1142", "1143", "42501"]);
const MISSING_TABLE = new Set(["1146", "42P01"]);

function driverCode(error: unknown): string | undefined {
  for (let at: unknown = error, depth = 0; typeof at === "object" && at !== null && depth < 4; depth += 1) {
    const fields = at as { errno?: unknown; code?: unknown; driverError?: unknown };
    if (typeof fields.errno === "number") return String(fields.errno);
    if (typeof fields.code === "string" && /^[0-9A-Z]{5}$/.test(fields.code)) return fields.code;
    at = fields.driverError;
  }
  return undefined;
}
