import { databaseError } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { DataSource } from "typeorm";

/** The SQL families the migration speaks, on either side: MySQL/MariaDB and PostgreSQL. */
export type SqlDialect = "mysql" | "postgres";

/** The dialect of a TypeORM `DataSource`; any other driver is a CONFIGURATION_ERROR. */
export function dialectOf(dataSource: DataSource): Result<SqlDialect> {
  const type = dataSource.options.type;
  if (type === "mysql" || type === "mariadb") return ok("mysql");
  if (type === "postgres") return ok("postgres");
  return err(
    appError(
      ErrorCode.CONFIGURATION_ERROR,
      `The database type '${type}' is not supported; use a MySQL/MariaDB or PostgreSQL DataSource.`,
    ),
  );
}

/** Quotes an identifier for the dialect (`lock` is a reserved word in MySQL, so quote everything). */
export function quoteIdentifier(dialect: SqlDialect, name: string): string {
  return dialect === "mysql" ? `\`${name.replace(/`/g, "``")}\`` : `"${name.replace(/"/g, '""')}"`;
}

/** The positional placeholder for the n-th (1-based) parameter. */
export function placeholder(dialect: SqlDialect, n: number): string {
  return dialect === "mysql" ? "?" : `$${n}`;
}

/** `count` placeholders starting after `offset` parameters, comma separated: `?, ?` or `$3, $4`. */
export function placeholders(dialect: SqlDialect, count: number, offset = 0): string {
  return Array.from({ length: count }, (_, i) => placeholder(dialect, offset + i + 1)).join(", ");
}

/**
 * Whether the destination answers `INSERT … RETURNING` (several rows' new ids in one statement): PostgreSQL
 * always, MariaDB from 10.5, MySQL not at all.
 */
export async function supportsInsertReturning(
  dataSource: DataSource,
  dialect: SqlDialect,
): Promise<Result<boolean>> {
  if (dialect === "postgres") return ok(true);
  try {
    const rows = (await dataSource.query("SELECT VERSION() AS version")) as Array<{ version: unknown }>;
    const version = String(rows[0]?.version ?? "");
    const match = /^(\d+)\.(\d+)/.exec(version);
    if (match === null || !/mariadb/i.test(version)) return ok(false);
    const [major, minor] = [Number(match[1]), Number(match[2])];
    return ok(major > 10 || (major === 10 && minor >= 5));
  } catch (error) {
    return err(databaseError(error, "could not read the destination database's version"));
  }
}
