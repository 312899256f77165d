import type { TestProject } from "vitest/node";
import mysql from "mysql2/promise";
import pg from "pg";
import { startServer, type ManagedServer } from "./servers.js";
import { RUN_PREFIX_KEY, SERVERS_KEY } from "./provided.js";

/**
 * Starts one MariaDB and one PostgreSQL for the whole run (or uses CERTS_TEST_MYSQL_URL /
 * CERTS_TEST_POSTGRES_URL), hands their admin URLs to the test files, and stops them at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => console.log(`[testdb] ${line}`);
  const runPrefix = `certs_t${Date.now().toString(36)}${process.pid.toString(36)}_`;
  const started: ManagedServer[] = [];
  const external = {
    mysql: process.env.CERTS_TEST_MYSQL_URL,
    postgres: process.env.CERTS_TEST_POSTGRES_URL,
  };
  const dispose = async () => {
    await Promise.all(started.map((server) => server.dispose()));
  };
  try {
    const [mysqlUrl, postgresUrl] = await Promise.all([
      external.mysql ??
        startServer("mysql", log).then((server) => {
          started.push(server);
          return server.adminUrl;
        }),
      external.postgres ??
        startServer("postgres", log).then((server) => {
          started.push(server);
          return server.adminUrl;
        }),
    ]);
    project.provide(SERVERS_KEY, { mysql: mysqlUrl, postgres: postgresUrl });
    project.provide(RUN_PREFIX_KEY, runPrefix);
  } catch (error) {
    await dispose();
    throw error;
  }

  return async () => {
    // Databases made on a user's own servers are dropped; our throwaway servers simply go away.
    if (external.mysql) await dropRunDatabasesMysql(external.mysql, runPrefix).catch(() => {});
    if (external.postgres) await dropRunDatabasesPostgres(external.postgres, runPrefix).catch(() => {});
    await dispose();
  };
}

async function dropRunDatabasesMysql(url: string, prefix: string): Promise<void> {
  const connection = await mysql.createConnection(url);
  const [rows] = await connection.query("SHOW DATABASES");
  for (const row of rows as { Database: string }[]) {
    if (row.Database.startsWith(prefix)) await connection.query(`DROP DATABASE \`${row.Database}\``);
  }
  await connection.end();
}

async function dropRunDatabasesPostgres(url: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE $1",
    [`${prefix}%`],
  );
  for (const row of rows) await client.query(`DROP DATABASE "${row.datname}" WITH (FORCE)`);
  await client.end();
}
