import { createTestDatabase, type TestDatabase } from "@certs/testdb";
// Brings in testdb's typing of vitest's provided context, which its index does not reference itself.
import type {} from "@certs/testdb/global-setup";
import type { EventEmitter } from "node:events";
import type { DataSource, EntityManager } from "typeorm";
import { expect } from "vitest";
import { parseConnectionUrl, type ServerConnectionSpec } from "../src/connection-url.js";
import { openDataSource, type OpenDataSourceOptions } from "../src/data-source.js";

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
  /**
   * Ends session `id` from another connection, as an operator would, and waits until the server has
   * finished it (both servers end the session asynchronously, after the kill statement returned).
   */
  killSession(id: number): Promise<void>;
  /** Resolves once the driver connection under `manager` has seen the server close its socket. */
  closedByServer(manager: EntityManager): Promise<void>;
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
        const deadline = Date.now() + 10_000;
        for (;;) {
          const rows: { n: number | string }[] = await admin.query(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?",
            [id],
          );
          if (Number(rows[0]?.n) === 0) break;
          if (Date.now() > deadline) throw new Error(`session ${id} was still listed 10 s after KILL`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } else {
        // With a timeout, pg_terminate_backend waits for the backend to exit and says whether it did.
        const rows: { killed: boolean }[] = await admin.query(
          "SELECT pg_terminate_backend($1, 10000) AS killed",
          [id],
        );
        expect(rows[0]?.killed).toBe(true);
      }
    },
    async closedByServer(manager) {
      if (manager.queryRunner === undefined) throw new Error("the manager has no connection of its own");
      // pg's Client and mysql2's connection both emit `end` when the socket closes.
      const connection = (await manager.queryRunner.connect()) as EventEmitter;
      await new Promise((resolve) => connection.once("end", resolve));
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
