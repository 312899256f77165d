import { CertEntity } from "@certs/ct-export";
import { createCertsTable, generateCertRows, seedCertsTable } from "@certs/ct-export/testing";
import { openDataSource, parseConnectionUrl } from "@certs/db";
import mysql from "mysql2/promise";
import type { DataSource } from "typeorm";

const TEMPLATE_TABLE = "certs_template";
/** Certificate signing dominates generation: rows reuse this many entries, as one certificate sits in several logs. */
const DISTINCT_ENTRIES = 48;

/** A database on the benchmark's MariaDB holding a template of generated rows to refill `certs` from. */
export interface CertsFixture {
  readonly url: string;
  /** Rows in the template: the most one `refill` can put in `certs`. */
  readonly templateRows: number;
  /** Mean bytes of `ct_entry` per row. */
  readonly meanEntryBytes: number;
  /** Replaces `certs` with a fresh table holding the first `count` template rows (ids 1..count). */
  refill(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Creates database `name` and fills its template table once with `rows` generated rows (multi-row inserts);
 * each case then gets a fresh `certs` by a server-side copy, which is much faster than inserting again.
 */
export async function createCertsFixture(
  adminUrl: string,
  name: string,
  rows: number,
): Promise<CertsFixture> {
  const admin = await mysql.createConnection(adminUrl);
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dataSource = await openCertsDataSource(url.toString());
  try {
    const generated = await generateCertRows({
      seed: "bench",
      count: rows,
      distinctEntries: DISTINCT_ENTRIES,
    });
    await seedCertsTable(dataSource, generated, { withIpAddress: false, table: TEMPLATE_TABLE });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  const [stats] = (await dataSource.query(
    `SELECT COUNT(*) AS n, AVG(LENGTH(ct_entry)) AS mean FROM ${TEMPLATE_TABLE}`,
  )) as { n: string; mean: string }[];
  return {
    url: url.toString(),
    templateRows: Number(stats?.n ?? 0),
    meanEntryBytes: Math.round(Number(stats?.mean ?? 0)),
    async refill(count) {
      await createCertsTable(dataSource, { withIpAddress: false });
      await dataSource.query(
        `INSERT INTO certs (id, ct_entry, ct_log_url, log_name, worker_name, ct_index) ` +
          `SELECT id, ct_entry, ct_log_url, log_name, worker_name, ct_index FROM ${TEMPLATE_TABLE} ` +
          `WHERE id <= ? ORDER BY id`,
        [count],
      );
    },
    async close() {
      await dataSource.destroy();
    },
  };
}

async function openCertsDataSource(url: string): Promise<DataSource> {
  const spec = parseConnectionUrl(url);
  if (!spec.ok) throw new Error(spec.error.message);
  if (spec.value.kind === "embedded") throw new Error("the benchmark needs a server URL");
  const opened = await openDataSource(spec.value, { entities: [CertEntity] });
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.value;
}
