import { ok } from "@certs/result";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retry, type RetryPolicy } from "../src/retry.js";
import { transaction } from "../src/transaction.js";
import { createTestServer, SERVER_KINDS, type TestServer } from "./test-server.js";

const policy: RetryPolicy = { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 500, factor: 2, jitter: true };

describe.each(SERVER_KINDS)("retry on a real %s server", (kind) => {
  let server: TestServer;
  let dataSource: DataSource;

  beforeAll(async () => {
    server = await createTestServer(kind);
    dataSource = await server.open({ poolSize: 2 });
    await dataSource.query("CREATE TABLE payment (id INT PRIMARY KEY, amount INT NOT NULL)");
  });

  afterAll(async () => {
    await server.close();
  });

  it("recovers from a connection killed in the middle of the first attempt, writing the rows once", async () => {
    const sessions: number[] = [];
    const result = await retry(policy, (attempt) =>
      transaction(dataSource, async (manager) => {
        await manager.query("INSERT INTO payment (id, amount) VALUES (1, 100)");
        if (attempt === 1) {
          // An operator (or a failover) ends this session before the transaction finishes.
          const session = await server.sessionId(manager);
          sessions.push(session);
          await server.killSession(session);
        }
        await manager.query("INSERT INTO payment (id, amount) VALUES (2, 250)");
        return ok(attempt);
      }),
    );
    expect(result).toEqual(ok(2));
    expect(sessions).toHaveLength(1);
    const rows: { id: number; amount: number }[] = await dataSource.query(
      "SELECT id, amount FROM payment ORDER BY id",
    );
    expect(rows.map((row) => [Number(row.id), Number(row.amount)])).toEqual([
      [1, 100],
      [2, 250],
    ]);
  });

  it("does not retry a duplicate key: one attempt, the error returned", async () => {
    let attempts = 0;
    const result = await retry(policy, () =>
      transaction(dataSource, async (manager) => {
        attempts += 1;
        await manager.query("INSERT INTO payment (id, amount) VALUES (1, 1)");
        return ok("inserted");
      }),
    );
    expect(attempts).toBe(1);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.details).toMatchObject({ kind: "unique_violation" });
  });
});
