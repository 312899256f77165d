import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { DataSource } from "typeorm";

/** The SQL families the libraries speak: MySQL/MariaDB (one dialect) and PostgreSQL. */
export type SqlDialect = "mysql" | "postgres";

/** The dialect of a TypeORM `DataSource`; any other driver is a CONFIGURATION_ERROR. */
export function sqlDialect(dataSource: Pick<DataSource, "options">): Result<SqlDialect> {
  const type = dataSource.options.type;
  if (type === "mysql" || type === "mariadb") return ok("mysql");
  if (type === "postgres") return ok("postgres");
  return err(
    appError(
      ErrorCode.CONFIGURATION_ERROR,
      `The database type '${type}' is not supported; use a MySQL/MariaDB or PostgreSQL DataSource.`,
      { details: { type } },
    ),
  );
}

/** Quotes an identifier for the dialect (`lock` is a reserved word in MySQL, so quote everything). */
export function quoteIdentifier(dialect: SqlDialect, name: string): string {
  return dialect === "mysql" ? `\`${name.replace(/`/g, "``")}\`` : `"${name.replace(/"/g, '""')}"`;
}

/** The positional placeholder for the n-th (1-based) parameter: `?` or `$n`. */
export function placeholder(dialect: SqlDialect, n: number): string {
  return dialect === "mysql" ? "?" : `$${n}`;
}

/** `count` placeholders starting after `offset` parameters, comma separated: `?, ?` or `$3, $4`. */
export function placeholders(dialect: SqlDialect, count: number, offset = 0): string {
  return Array.from({ length: count }, (_, i) => placeholder(dialect, offset + i + 1)).join(", ");
}
