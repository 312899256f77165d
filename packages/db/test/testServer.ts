import { createTestDatabase, type TestDatabase } from "@certs/testdb";
// Brings in testdb's typing of vitest's provided context, which its index does not reference itself.
import type {} from "@certs/testdb/global-setup";
import type { DataSource, EntityManager } from "typeorm";
import { expect } from "vitest";
import { parseConnectionUrl, type ServerConnectionSpec } from "../src/ConnectionUrl.js";
import { openDataSource, type OpenDataSourceOptions } from "../src/DataSource.js";

/** The two server families every integration test runs against. */
export const SERVER_KINDS = ["mysql", "postgres"] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** A fresh database on the run's real server of `kind`, with the SQL that differs between the two. */
export interface TestServer {
  readonly kind: ServerKind;
  readonly database: TestDatabase;
  readonly spec: ServerConnectionSpec;
  /** Opens a DataSource on the test database; closed by `close()`. */
  open(options?: OpenDataSourceOptions): Promise<DataSource>;
  /** The server-side id of the session `manager` runs on. */
  sessionId(manager: EntityManager): Promise<number>;
  /** Ends session `id` from another connection, as an operator would. */
  killSession(id: number): Promise<void>;
  /** Makes lock waits of this session give up after about a second. */
  shortLockWait(manager: EntityManager): Promise<void>;
  close(): Promise<void>;
}

export async function createTestServer(kind: ServerKind): Promise<TestServer> {
  const database = await createTestDatabase(kind);
  const parsed = parseConnectionUrl(database.url);
  if (!parsed.ok || parsed.value.kind === "embedded") throw new Error(`unusable test URL: ${database.url}`);
  const spec = parsed.value;
  const opened: DataSource[] = [];

  async function open(options: OpenDataSourceOptions = {}): Promise<DataSource> {
    const result = await openDataSource(spec, options);
    if (!result.ok) throw new Error(`could not open the test database: ${result.error.message}`);
    opened.push(result.value);
    return result.value;
  }

  let admin: DataSource | undefined;
  return {
    kind,
    database,
    spec,
    open,
    async sessionId(manager) {
      const sql = kind === "mysql" ? "SELECT CONNECTION_ID() AS id" : "SELECT pg_backend_pid() AS id";
      const rows: { id: number | string }[] = await manager.query(sql);
      return Number(rows[0]?.id);
    },
    async killSession(id) {
      admin ??= await open({ poolSize: 1 });
      if (kind === "mysql") {
        await admin.query(`KILL ${id}`);
      } else {
        const rows: { killed: boolean }[] = await admin.query("SELECT pg_terminate_backend($1) AS killed", [
          id,
        ]);
        expect(rows[0]?.killed).toBe(true);
      }
    },
    async shortLockWait(manager) {
      await manager.query(
        kind === "mysql" ? "SET SESSION innodb_lock_wait_timeout = 1" : "SET lock_timeout = '1s'",
      );
    },
    async close() {
      for (const dataSource of opened) {
        if (dataSource.isInitialized) await dataSource.destroy().catch(() => {});
      }
      await database.drop();
    },
  };
}

/** Resolves once `count` parties have arrived: lets two transactions take their first locks before going on. */
export function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let release: () => void = () => {};
  const allThere = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async () => {
    arrived += 1;
    if (arrived === count) release();
    await allThere;
  };
}
