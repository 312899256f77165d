import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import pg from "pg";
import { inject } from "vitest";
import { RUN_PREFIX_KEY, SERVERS_KEY } from "./provided.js";
import { startServer, type ManagedServer, type ServerKind } from "./servers.js";

export type { ServerKind, ManagedServer } from "./servers.js";
export type { ServerHandle } from "./server-handle.js";

/** A fresh, empty database of its own for one test file. */
export interface TestDatabase {
  readonly kind: ServerKind;
  /** The database's name, unique in this run. */
  readonly name: string;
  /** Connection URL with credentials, selecting this database. */
  readonly url: string;
  /** URL of an account that may create databases and kill sessions, with no database selected. */
  readonly adminUrl: string;
  /** Drops the database (optional: everything made by a run is discarded when the run ends). */
  drop(): Promise<void>;
}

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates a fresh database on the run's MariaDB (`"mysql"`) or PostgreSQL (`"postgres"`). */
export async function createTestDatabase(kind: ServerKind): Promise<TestDatabase> {
  const adminUrl = inject(SERVERS_KEY)[kind];
  const name = `${inject(RUN_PREFIX_KEY)}${randomBytes(5).toString("hex")}`;
  if (kind === "mysql") {
    const connection = await mysql.createConnection(adminUrl);
    await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await connection.end();
  } else {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`CREATE DATABASE "${name}"`);
    await client.end();
  }
  return {
    kind,
    name,
    url: withDatabase(adminUrl, name),
    adminUrl,
    async drop() {
      if (kind === "mysql") {
        const connection = await mysql.createConnection(adminUrl);
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await connection.end();
      } else {
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.end();
      }
    },
  };
}

/** A server of one's own, for tests that kill, stop or restart it. */
export interface PrivateServer extends ManagedServer {
  /** URL of a database created on it for the test. */
  readonly url: string;
}

/**
 * Starts a dedicated throwaway server (for fault tests that kill or restart it) with one database
 * `certs` in it. Call `dispose()` in afterAll; a watchdog removes it anyway if the test process dies.
 */
export async function startPrivateServer(kind: ServerKind): Promise<PrivateServer> {
  const server = await startServer(kind);
  const url = withDatabase(server.adminUrl, "certs");
  if (kind === "mysql") {
    const connection = await mysql.createConnection(server.adminUrl);
    await connection.query("CREATE DATABASE certs CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    await connection.end();
  } else {
    const client = new pg.Client({ connectionString: server.adminUrl });
    await client.connect();
    await client.query("CREATE DATABASE certs");
    await client.end();
  }
  return { ...server, url };
}

export { startReplicaPair, type ReplicaPair, type ReplicatedServer } from "./mariadb-replica.js";
export { spawnTypeScript, runTypeScript, SOURCE_TSCONFIG, type ProcessOutcome } from "./spawn-typescript.js";
