import { openDataSource, parseConnectionUrl } from "@certs/db";
import {
  createDestinationSchema,
  generateLegacyDataset,
  seedDestinationDatabase,
  setUpMigrationDatabases,
} from "@certs/legacy-migration/testing";
import mysql from "mysql2/promise";
import type { DataSource } from "typeorm";

/** One size's databases on the benchmark's MariaDB: legacy and destination for the job, a third for the baseline. */
export interface MigrationFixture {
  readonly size: number;
  readonly legacyUrl: string;
  /** Where the job migrates to (seeded with the destination's prerequisites). */
  readonly destinationUrl: string;
  /** The baseline's target: the destination schema created and seeded the same way, never migrated into. */
  readonly baselineUrl: string;
  /** The dataset's mapping files (customer, user, technician and certificate mappings). */
  readonly mappingDirectory: string;
  /** How long generating and seeding took (not timed by any case). */
  readonly seedMs: number;
  /**
   * Copies into the baseline's database the technicians (and their `technician_user` rows) the job created,
   * so the certificates the baseline inserts find every technician they name. Not timed.
   */
  copyCreatedTechnicians(): Promise<number>;
  /** The job's failures by step and error code (from its failures table), most frequent first. Not timed. */
  failureCounts(): Promise<{ step: string; code: string; count: number }[]>;
  /** Drops the three databases. */
  drop(): Promise<void>;
}

/** The generator's seed: the same dataset in every run. */
const SEED = "bench";

/**
 * Creates three databases for `size` generated certificates: legacy and destination seeded by
 * `setUpMigrationDatabases` (with `size` pending certificates: none is marked as migrated by an old run),
 * and the baseline's, with the destination tables and prerequisites only.
 */
export async function createMigrationFixture(
  adminUrl: string,
  size: number,
  mappingDirectory: string,
): Promise<MigrationFixture> {
  const started = performance.now();
  const names = {
    legacy: `bench_lm_${size}_legacy`,
    destination: `bench_lm_${size}_destination`,
    baseline: `bench_lm_${size}_baseline`,
  };
  const admin = await mysql.createConnection(adminUrl);
  try {
    for (const name of Object.values(names)) {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    }
  } finally {
    await admin.end();
  }
  const urls = {
    legacy: databaseUrl(adminUrl, names.legacy),
    destination: databaseUrl(adminUrl, names.destination),
    baseline: databaseUrl(adminUrl, names.baseline),
  };
  // Every old-run share at 0: all `size` certificates are work for the job.
  const dataset = generateLegacyDataset({ certificates: size, seed: SEED, premigratedShare: 0 });
  const legacy = await open(urls.legacy);
  const destination = await open(urls.destination);
  const baseline = await open(urls.baseline);
  try {
    const seedBaseline = async () => {
      const tables = await createDestinationSchema(baseline);
      if (!tables.ok) throw new Error(tables.error.message);
      const rows = await seedDestinationDatabase(baseline, dataset);
      if (!rows.ok) throw new Error(rows.error.message);
    };
    const seedJob = async () => {
      const set = await setUpMigrationDatabases({ legacy, destination, dataset, mappingDirectory });
      if (!set.ok) throw new Error(set.error.message);
    };
    await Promise.all([seedJob(), seedBaseline()]);
  } finally {
    await Promise.all([legacy.destroy(), destination.destroy(), baseline.destroy()]);
  }
  return {
    size,
    legacyUrl: urls.legacy,
    destinationUrl: urls.destination,
    baselineUrl: urls.baseline,
    mappingDirectory,
    seedMs: performance.now() - started,
    async copyCreatedTechnicians() {
      const connection = await mysql.createConnection(adminUrl);
      try {
        const [copied] = await connection.query<mysql.ResultSetHeader>(
          `INSERT INTO \`${names.baseline}\`.technicians SELECT * FROM \`${names.destination}\`.technicians ` +
            `WHERE id NOT IN (SELECT id FROM \`${names.baseline}\`.technicians)`,
        );
        await connection.query(
          `INSERT INTO \`${names.baseline}\`.technician_user SELECT * FROM \`${names.destination}\`.technician_user ` +
            `WHERE technician_id NOT IN (SELECT technician_id FROM \`${names.baseline}\`.technician_user)`,
        );
        return copied.affectedRows;
      } finally {
        await connection.end();
      }
    },
    async failureCounts() {
      const connection = await mysql.createConnection(adminUrl);
      try {
        const [rows] = await connection.query<mysql.RowDataPacket[]>(
          `SELECT step, error_code AS code, COUNT(*) AS n FROM \`${names.destination}\`.legacy_migration_failures ` +
            "GROUP BY step, error_code ORDER BY n DESC",
        );
        return rows.map((row) => ({
          step: String(row["step"]),
          code: String(row["code"]),
          count: Number(row["n"]),
        }));
      } finally {
        await connection.end();
      }
    },
    async drop() {
      const connection = await mysql.createConnection(adminUrl);
      try {
        for (const name of Object.values(names))
          await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}

function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function open(url: string): Promise<DataSource> {
  const spec = parseConnectionUrl(url);
  if (!spec.ok) throw new Error(spec.error.message);
  if (spec.value.kind === "embedded") throw new Error("the benchmark needs a server URL");
  const opened = await openDataSource(spec.value, { poolSize: 4 });
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.value;
}
