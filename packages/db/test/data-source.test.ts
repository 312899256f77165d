import { createServer, type Server } from "node:net";
import { EntitySchema } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDataSource, openDataSource } from "../src/data-source.js";
import type { Logger } from "../src/logger.js";
import { createTestServer, SERVER_KINDS, type TestServer } from "./test-server.js";

interface Reading {
  id: string;
  label: string;
  takenAt: Date;
}

const ReadingSchema = new EntitySchema<Reading>({
  name: "Reading",
  tableName: "reading",
  columns: {
    id: { type: "bigint", primary: true },
    label: { type: "varchar", length: 40 },
    takenAt: { type: "timestamp", name: "taken_at" },
  },
});

/** A port on 127.0.0.1 that refuses connections: bound, then closed again. */
async function closedPort(): Promise<number> {
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

describe.each(SERVER_KINDS)("openDataSource on a real %s server", (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await createTestServer(kind);
  });

  afterAll(async () => {
    await server.close();
  });

  it("saves and loads entities, keeping BIGINTs beyond 2^53 exact and times in UTC", async () => {
    const dataSource = await server.open({ entities: [ReadingSchema] });
    await dataSource.synchronize();
    const repository = dataSource.getRepository(ReadingSchema);
    const takenAt = new Date("2024-03-31T01:30:00.000Z");
    await repository.save({ id: "9007199254740993", label: "beyond double precision", takenAt });
    const loaded = await repository.findOneByOrFail({ id: "9007199254740993" });
    expect(loaded.id).toBe("9007199254740993");
    expect(loaded.takenAt.toISOString()).toBe("2024-03-31T01:30:00.000Z");
  });

  it("never opens more connections than poolSize", async () => {
    const dataSource = await server.open({ poolSize: 2 });
    const sleep = kind === "mysql" ? "SELECT SLEEP(0.2) AS s" : "SELECT pg_sleep(0.2) AS s";
    const sessions = await Promise.all(
      Array.from({ length: 6 }, () =>
        dataSource.transaction(async (manager) => {
          await manager.query(sleep);
          return server.sessionId(manager);
        }),
      ),
    );
    expect(new Set(sessions).size).toBeLessThanOrEqual(2);
  });

  it("has the server cancel a statement that runs longer than statementTimeoutMs", async () => {
    const dataSource = await server.open({ statementTimeoutMs: 300 });
    const sleep = kind === "mysql" ? "SELECT SLEEP(20) AS s" : "SELECT pg_sleep(20) AS s";
    const failure = await dataSource.query(sleep).then(
      () => "the statement ran to the end",
      (error: unknown) => String(error),
    );
    expect(failure).toContain(
      kind === "mysql" ? "max_statement_time exceeded" : "canceling statement due to statement timeout",
    );
  });

  it("passes TLS settings to the driver: sslmode=require fails against a server without TLS", async () => {
    const result = await openDataSource({ ...server.spec, tls: "require" });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("DATABASE_ERROR");
      expect(result.error.message.toLowerCase()).toMatch(/ssl|secure/);
    }
  });

  it("reports a server that refuses connections as a lost connection, retryable, naming the server", async () => {
    const port = await closedPort();
    const result = await openDataSource({ ...server.spec, port }, { connectTimeoutMs: 5_000 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.details).toMatchObject({ kind: "connection_lost", retryable: true });
      expect(result.error.message).toContain(`127.0.0.1:${port}`);
    }
  });

  it("rejects unusable options before connecting", async () => {
    const result = await openDataSource(server.spec, { poolSize: -1 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain("poolSize");
  });

  it("logs queries at debug when asked, with no password in anything logged", async () => {
    const lines: string[] = [];
    const recorder: Logger = {
      debug: (obj, msg) => lines.push(`debug ${msg ?? ""} ${JSON.stringify(obj)}`),
      info: (obj, msg) => lines.push(`info ${msg ?? ""} ${JSON.stringify(obj)}`),
      warn: (obj, msg) => lines.push(`warn ${msg ?? ""} ${JSON.stringify(obj)}`),
      error: (obj, msg) => lines.push(`error ${msg ?? ""} ${JSON.stringify(obj)}`),
    };
    const dataSource = await server.open({ logger: recorder, logging: true });
    await dataSource.query("SELECT 42 AS answer");
    await dataSource.query("SELECT no_such_column FROM no_such_table").catch(() => {});
    expect(lines.some((line) => line.includes("SELECT 42 AS answer"))).toBe(true);
    expect(
      lines.some((line) => line.includes("database query failed") && line.includes("no_such_table")),
    ).toBe(true);
    const password = server.spec.password ?? "";
    expect(password).not.toBe("");
    expect(lines.join("\n")).not.toContain(password);
  });

  it("closeDataSource closes the pool and is harmless on a closed DataSource", async () => {
    const opened = await openDataSource(server.spec);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(await closeDataSource(opened.value)).toMatchObject({ ok: true });
    expect(opened.value.isInitialized).toBe(false);
    expect(await closeDataSource(opened.value)).toMatchObject({ ok: true });
  });
});
