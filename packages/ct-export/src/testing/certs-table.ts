import { sqlDialect as dialectOf, type SqlDialect } from "@certs/db";
import type { DataSource } from "typeorm";
import type { CertRowData } from "./cert-rows.js";

/** How `createCertsTable` lays out the table. */
export interface CreateCertsTableOptions {
  /** Add the nullable `ip_address` column (the production table has none). */
  readonly withIpAddress: boolean;
  /** Default `certs`. */
  readonly table?: string;
}

/** Which SQL dialect a DataSource speaks (`@certs/db`'s `sqlDialect`); throws for other drivers. */
export function sqlDialect(dataSource: DataSource): SqlDialect {
  const dialect = dialectOf(dataSource);
  if (!dialect.ok) throw new TypeError(dialect.error.message);
  return dialect.value;
}

/**
 * Creates the `certs` table as production has it (MariaDB) or its PostgreSQL equivalent, dropping any
 * previous one. Test helper: throws on failure.
 */
export async function createCertsTable(
  dataSource: DataSource,
  options: CreateCertsTableOptions,
): Promise<void> {
  const table = options.table ?? "certs";
  const ip = options.withIpAddress ? ", ip_address VARCHAR(64) NULL" : "";
  await dataSource.query(`DROP TABLE IF EXISTS ${table}`);
  if (sqlDialect(dataSource) === "mysql") {
    await dataSource.query(
      `CREATE TABLE ${table} (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, ct_entry TEXT NOT NULL, ` +
        `ct_log_url VARCHAR(255) NOT NULL, log_name VARCHAR(255) NOT NULL, worker_name VARCHAR(255) NOT NULL, ` +
        `ct_index BIGINT NOT NULL${ip}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    );
  } else {
    await dataSource.query(
      `CREATE TABLE ${table} (id BIGSERIAL PRIMARY KEY, ct_entry TEXT NOT NULL, ct_log_url VARCHAR(255) NOT NULL, ` +
        `log_name VARCHAR(255) NOT NULL, worker_name VARCHAR(255) NOT NULL, ct_index BIGINT NOT NULL${ip})`,
    );
  }
}

/**
 * Inserts rows in id order, in multi-row statements. `ip_address` is written only when the table has the
 * column (`withIpAddress`). Test helper: throws on failure.
 */
export async function insertCertRows(
  dataSource: DataSource,
  rows: readonly CertRowData[],
  options: CreateCertsTableOptions,
): Promise<void> {
  const table = options.table ?? "certs";
  const columns = ["ct_entry", "ct_log_url", "log_name", "worker_name", "ct_index"];
  if (options.withIpAddress) columns.push("ip_address");
  const dialect = sqlDialect(dataSource);
  const chunkSize = 200;
  for (let start = 0; start < rows.length; start += chunkSize) {
    const chunk = rows.slice(start, start + chunkSize);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const rowValues: unknown[] = [
        row.ct_entry,
        row.ct_log_url,
        row.log_name,
        row.worker_name,
        row.ct_index,
      ];
      if (options.withIpAddress) rowValues.push(row.ip_address);
      const placeholders = rowValues.map((value) => {
        values.push(value);
        return dialect === "mysql" ? "?" : `$${values.length}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    await dataSource.query(
      `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")}`,
      values,
    );
  }
}

/** Creates the table and fills it: the usual test set-up in one call. */
export async function seedCertsTable(
  dataSource: DataSource,
  rows: readonly CertRowData[],
  options: CreateCertsTableOptions,
): Promise<void> {
  await createCertsTable(dataSource, options);
  await insertCertRows(dataSource, rows, options);
}
