import { databaseError, type SqlDialect } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import type { DataSource } from "typeorm";

/** The dialect type is @certs/db's; this module adds what only the migration asks of a server. */
export type { SqlDialect } from "@certs/db";

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
