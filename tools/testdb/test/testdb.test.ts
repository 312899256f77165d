import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, startPrivateServer, type PrivateServer } from "../src/index.js";

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function queryOne(kind: "mysql" | "postgres", url: string, sql: string): Promise<unknown> {
  if (kind === "mysql") {
    const connection = await mysql.createConnection(url);
    try {
      const [rows] = await connection.query(sql);
      return (rows as Record<string, unknown>[])[0];
    } finally {
      await connection.end();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0];
  } finally {
    await client.end();
  }
}

describe.each(["mysql", "postgres"] as const)("test databases on %s", (kind) => {
  it("gives each caller its own empty database that it can write to", async () => {
    const a = await createTestDatabase(kind);
    const b = await createTestDatabase(kind);
    expect(a.name).not.toBe(b.name);
    await queryOne(kind, a.url, "CREATE TABLE marker (id INT PRIMARY KEY)");
    await queryOne(kind, a.url, "INSERT INTO marker VALUES (7)");
    expect(await queryOne(kind, a.url, "SELECT id FROM marker")).toEqual({ id: 7 });
    await expect(queryOne(kind, b.url, "SELECT id FROM marker")).rejects.toThrow(/marker/);
    await a.drop();
    await b.drop();
  });

  describe("a private server", () => {
    let server: PrivateServer | undefined;
    afterAll(async () => {
      await server?.dispose();
    });

    it("can be killed and started again with its data intact, and is gone after dispose", async () => {
      server = await startPrivateServer(kind);
      await queryOne(kind, server.url, "CREATE TABLE kept (id INT PRIMARY KEY)");
      await queryOne(kind, server.url, "INSERT INTO kept VALUES (1)");
      const firstPid = server.pid();
      await server.kill();
      expect(alive(firstPid)).toBe(false);
      await expect(queryOne(kind, server.url, "SELECT 1 AS one")).rejects.toThrow();
      await server.start();
      expect(await queryOne(kind, server.url, "SELECT id FROM kept")).toEqual({ id: 1 });
      const secondPid = server.pid();
      await server.dispose();
      server = undefined;
      expect(alive(secondPid)).toBe(false);
    });
  });
});
