import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReplicaPair, type ReplicaPair } from "../src/index.js";

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const connection = await mysql.createConnection(url);
  try {
    const [rows] = await connection.query(sql);
    return rows as Record<string, unknown>[];
  } finally {
    await connection.end();
  }
}

async function replicaStatus(pair: ReplicaPair): Promise<Record<string, unknown> | undefined> {
  return (await query(pair.replica.adminUrl, "SHOW SLAVE STATUS"))[0];
}

describe("a MariaDB primary with a binlog replica", () => {
  let pair: ReplicaPair;

  beforeAll(async () => {
    pair = await startReplicaPair();
  }, 120_000);

  afterAll(async () => {
    await pair?.dispose();
  });

  it("copies a row written on the primary to the replica, which reports no lag", async () => {
    await query(pair.primary.url, "CREATE TABLE marker (id INT PRIMARY KEY, note VARCHAR(20))");
    await query(pair.primary.url, "INSERT INTO marker VALUES (7, 'replicated')");
    await pair.waitForReplicaSync();
    expect(await query(pair.replica.url, "SELECT id, note FROM marker")).toEqual([
      { id: 7, note: "replicated" },
    ]);
    const status = await replicaStatus(pair);
    expect(status?.Slave_SQL_Running).toBe("Yes");
    expect(Number(status?.Seconds_Behind_Master)).toBe(0);
  });

  it("with its SQL thread stopped, the replica holds back new rows and its lag is unknown, until it is started", async () => {
    await pair.stopReplicaSql();
    await query(pair.primary.url, "INSERT INTO marker VALUES (8, 'held back')");
    const status = await replicaStatus(pair);
    expect(status?.Slave_SQL_Running).toBe("No");
    expect(status?.Seconds_Behind_Master).toBeNull();
    expect(await query(pair.replica.url, "SELECT id FROM marker WHERE id = 8")).toEqual([]);

    await pair.startReplicaSql();
    await pair.waitForReplicaSync();
    expect(await query(pair.replica.url, "SELECT id FROM marker WHERE id = 8")).toEqual([{ id: 8 }]);
  });

  it("is gone, both servers, after dispose", async () => {
    const pids = [pair.primary.pid(), pair.replica.pid()];
    await pair.dispose();
    for (const pid of pids) {
      expect(pid).toBeDefined();
      expect(() => process.kill(pid ?? 0, 0)).toThrow();
    }
  });
});
