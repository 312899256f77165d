import { appError, err, ok } from "@certs/result";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPgPool } from "../src/pg-pool.js";
import { pgTransaction } from "../src/pg-transaction.js";
import { createTestServer, type TestServer } from "./test-server.js";

describe("pgTransaction on a real postgres server", () => {
  let server: TestServer;
  let pool: pg.Pool;

  async function names(): Promise<string[]> {
    const { rows } = await pool.query<{ name: string }>("SELECT name FROM item ORDER BY name");
    return rows.map((row) => row.name);
  }

  beforeAll(async () => {
    server = await createTestServer("postgres");
    if (server.spec.kind !== "postgres") throw new Error("postgres expected");
    const created = createPgPool(server.spec, { poolSize: 2 });
    if (!created.ok) throw new Error(created.error.message);
    pool = created.value;
    await pool.query("CREATE TABLE item (name VARCHAR(50) PRIMARY KEY)");
  });

  beforeEach(async () => {
    await pool.query("DELETE FROM item");
  });

  afterAll(async () => {
    await pool?.end();
    await server?.close();
  });

  it("commits every row when the work returns ok, and returns its value", async () => {
    const result = await pgTransaction(pool, async (client) => {
      await client.query("INSERT INTO item (name) VALUES ('a'), ('b')");
      return ok(2);
    });
    expect(result).toEqual(ok(2));
    expect(await names()).toEqual(["a", "b"]);
  });

  it("rolls back when the work returns err, and returns that error unchanged", async () => {
    const refusal = appError("VALIDATION_ERROR", "the batch has a bad row");
    const result = await pgTransaction(pool, async (client) => {
      await client.query("INSERT INTO item (name) VALUES ('a')");
      return err(refusal);
    });
    expect(result).toEqual(err(refusal));
    expect(await names()).toEqual([]);
  });

  it("rolls back when the work throws, returning an UNEXPECTED_ERROR that keeps the thrown value", async () => {
    const thrown = new RangeError("index out of range");
    const result = await pgTransaction(pool, async (client) => {
      await client.query("INSERT INTO item (name) VALUES ('a')");
      throw thrown;
    });
    expect(!result.ok && result.error.code).toBe("UNEXPECTED_ERROR");
    expect(!result.ok && result.error.cause).toBe(thrown);
    expect(await names()).toEqual([]);
  });

  it("rolls back when a statement fails, returning a classified DATABASE_ERROR", async () => {
    await pool.query("INSERT INTO item (name) VALUES ('taken')");
    const result = await pgTransaction(pool, async (client) => {
      await client.query("INSERT INTO item (name) VALUES ('new')");
      await client.query("INSERT INTO item (name) VALUES ('taken')");
      return ok("unreachable");
    });
    expect(!result.ok && result.error.code).toBe("DATABASE_ERROR");
    expect(!result.ok && result.error.details).toMatchObject({ kind: "unique_violation", retryable: false });
    expect(await names()).toEqual(["taken"]);
  });

  it("runs at the isolation level asked for, and a dry run returns its value but keeps nothing", async () => {
    const result = await pgTransaction(
      pool,
      async (client) => {
        await client.query("INSERT INTO item (name) VALUES ('dry')");
        const { rows } = await client.query<{ level: string }>(
          "SELECT current_setting('transaction_isolation') AS level",
        );
        return ok(rows[0]?.level);
      },
      { isolation: "SERIALIZABLE", dryRun: true },
    );
    expect(result).toEqual(ok("serializable"));
    expect(await names()).toEqual([]);
  });

  it("a connection the server kills mid-transaction is a connection_lost DATABASE_ERROR, and the pool stays usable", async () => {
    const result = await pgTransaction(pool, async (client) => {
      await client.query("INSERT INTO item (name) VALUES ('lost')");
      const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      // Ended from another connection, as an operator or a failover would.
      await pool.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
      await client.query("SELECT pg_sleep(0.1)");
      return ok("unreachable");
    });
    expect(!result.ok && result.error.code).toBe("DATABASE_ERROR");
    expect(!result.ok && result.error.details).toMatchObject({ kind: "connection_lost", retryable: true });
    expect(await names()).toEqual([]);
    // Both connections of the pool still serve, so the dead one was not handed back.
    const again = await Promise.all(
      [1, 2].map(() =>
        pgTransaction(pool, async (client) => {
          const { rows } = await client.query<{ one: number }>("SELECT 1 AS one");
          return ok(rows[0]?.one);
        }),
      ),
    );
    expect(again).toEqual([ok(1), ok(1)]);
  });

  it("an unreachable server is a DATABASE_ERROR, not a rejection", async () => {
    if (server.spec.kind !== "postgres") throw new Error("postgres expected");
    const closed = createPgPool({ ...server.spec, port: 1 }, { connectTimeoutMs: 2_000 });
    if (!closed.ok) throw new Error(closed.error.message);
    try {
      const result = await pgTransaction(closed.value, () => ok("unreachable"));
      expect(!result.ok && result.error.code).toBe("DATABASE_ERROR");
      expect(!result.ok && result.error.details).toMatchObject({ kind: "connection_lost" });
    } finally {
      await closed.value.end();
    }
  });
});
