import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyDbError } from "../src/db-error.js";
import type { Logger } from "../src/logger.js";
import { createPgPool } from "../src/pg-pool.js";
import { createTestServer, type TestServer } from "./test-server.js";

describe("createPgPool on a real postgres server", () => {
  let server: TestServer;
  const pools: pg.Pool[] = [];

  function pool(options: Parameters<typeof createPgPool>[1] = {}): pg.Pool {
    if (server.spec.kind !== "postgres") throw new Error("postgres expected");
    const created = createPgPool(server.spec, options);
    if (!created.ok) throw new Error(created.error.message);
    pools.push(created.value);
    return created.value;
  }

  beforeAll(async () => {
    server = await createTestServer("postgres");
  });

  afterAll(async () => {
    await Promise.all(pools.map((each) => each.end().catch(() => {})));
    await server.close();
  });

  it("runs queries with the application name set", async () => {
    const { rows } = await pool({ applicationName: "certs-pool-test" }).query<{ name: string }>(
      "SELECT current_setting('application_name') AS name",
    );
    expect(rows).toEqual([{ name: "certs-pool-test" }]);
  });

  it("has the server cancel statements longer than statementTimeoutMs", async () => {
    const failure = await pool({ statementTimeoutMs: 200 })
      .query("SELECT pg_sleep(20)")
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(String(failure)).toContain("canceling statement due to statement timeout");
  });

  it("survives the server ending an idle connection, logging it instead of crashing", async () => {
    const warnings: object[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (obj) => void warnings.push(obj), error() {} };
    const victim = pool({ poolSize: 1, logger });
    const { rows } = await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const pid = rows[0]?.pid;
    // The connection is idle in the pool now; end it from another session.
    await pool().query("SELECT pg_terminate_backend($1)", [pid]);
    await expect.poll(() => warnings.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(classifyDbError((warnings[0] as { err: unknown }).err).kind).toBe("connection_lost");
    const again = await victim.query<{ one: number }>("SELECT 1 AS one");
    expect(again.rows).toEqual([{ one: 1 }]);
  });

  it("rejects an unusable option", () => {
    if (server.spec.kind !== "postgres") throw new Error("postgres expected");
    const created = createPgPool(server.spec, { idleTimeoutMs: 0 });
    expect(!created.ok && created.error.message).toContain("idleTimeoutMs");
  });
});
