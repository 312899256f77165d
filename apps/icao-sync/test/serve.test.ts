import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createTestDatabase, spawnTypeScript, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Material, openPool, tableCounts, writeMaterial } from "./material.js";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
// Far away, so only the test decides when runs happen.
const NEVER_SOON = "0 0 1 1 *";

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function serve(args: string[]): Promise<Served> {
  const child = spawnTypeScript(CLI, ["serve", "--port", "0", "--log-level", "warn", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const url = await waitFor("the serving line", async () => {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${stderr}`);
    return /serving on (http:\/\/\S+)/.exec(stdout)?.[1];
  });
  return { child, url, exited, stderr: () => stderr };
}

async function get(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

let db: TestDatabase;
let pool: pg.Pool;
let material: Material;
let running: Served[] = [];

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  pool = openPool(db.url);
  material = await writeMaterial("serve");
});

afterAll(async () => {
  for (const served of running) if (served.child.exitCode === null) served.child.kill("SIGKILL");
  running = [];
  await pool?.end();
  await db?.drop();
});

/** Holds an exclusive lock on a trust-store table so a sync blocks at its first DELETE until `release`. */
async function blockWrites(): Promise<{ release(): Promise<void> }> {
  const client = await pool.connect();
  await client.query("BEGIN");
  await client.query("LOCK TABLE revoked_certificate_list IN ACCESS EXCLUSIVE MODE");
  return {
    async release() {
      await client.query("COMMIT");
      client.release();
    },
  };
}

async function syncWaitingOnLock(): Promise<true | undefined> {
  const result = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'certs-icao-sync' AND wait_event_type = 'Lock'`,
  );
  return Number(result.rows[0]?.n) > 0 ? true : undefined;
}

describe("certs-icao-sync serve", () => {
  it("answers /health, /ready and /info, runs on POST /trigger (409 while running), and stops on SIGTERM after the run in flight", async () => {
    const served = await serve([
      "--db",
      db.url,
      "--source",
      material.masterList,
      "--trust-anchor",
      material.anchor,
      "--cron",
      NEVER_SOON,
      "--force",
    ]);
    running.push(served);
    const { url } = served;

    expect(await get(`${url}/health`)).toEqual({ status: 200, body: { status: "ok" } });
    await waitFor("/ready", async () => ((await get(`${url}/ready`)).status === 200 ? true : undefined));
    const idle = await get(`${url}/info`);
    expect(idle.status).toBe(200);
    expect(idle.body).toMatchObject({ name: "certs-icao-sync", version: "0.0.0", schedule: NEVER_SOON });
    expect(idle.body).toMatchObject({ running: null, lastRun: null, counts: null });
    expect(idle.body.store).toEqual({
      tables: { root_ca: 0, dsc: 0, crls: 0, revoked_certificate_list: 0 },
      lastLoggedRun: null,
    });
    expect(Date.parse(String(idle.body.nextRun))).toBeGreaterThan(Date.now());
    expect((await get(`${url}/nowhere`)).status).toBe(404);
    expect((await get(`${url}/trigger`)).status).toBe(405);

    const lock = await blockWrites();
    const started = await get(`${url}/trigger`, { method: "POST" });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: "started", run: { trigger: "manual", status: "running" } });
    const again = await get(`${url}/trigger`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: "already_running" });
    expect((await get(`${url}/info`)).body).toMatchObject({
      running: { trigger: "manual", status: "running" },
    });
    await lock.release();

    const info = await waitFor("the run to finish", async () => {
      const body = (await get(`${url}/info`)).body;
      return (body.lastRun as { status?: string } | null)?.status === undefined ? undefined : body;
    });
    const expectedCounts = {
      root_ca: material.pki.cscas.length,
      dsc: 0,
      crls: 0,
      revoked_certificate_list: 0,
    };
    expect(info).toMatchObject({
      running: null,
      lastRun: { trigger: "manual", status: "replaced", counts: expectedCounts, error: null },
      counts: expectedCounts,
      store: { tables: expectedCounts, lastLoggedRun: { status: "replaced", counts: expectedCounts } },
    });
    expect(await tableCounts(pool)).toEqual(expectedCounts);

    // SIGTERM while a run is writing: the port closes at once, the run finishes, then exit 143.
    const secondLock = await blockWrites();
    expect((await get(`${url}/trigger`, { method: "POST" })).status).toBe(202);
    await waitFor("the sync to wait on the lock", syncWaitingOnLock);
    served.child.kill("SIGTERM");
    await waitFor("the port to close", async () => {
      try {
        await fetch(`${url}/health`);
        return undefined;
      } catch {
        return true;
      }
    });
    expect(served.child.exitCode).toBeNull();
    await secondLock.release();
    expect(await served.exited).toBe(143);
    const log = await pool.query<{ status: string }>("SELECT status FROM icao_sync_log ORDER BY finished_at");
    expect(log.rows.map((r) => r.status)).toEqual(["replaced", "replaced"]);
    expect(served.stderr()).toMatch(/Stopped; last run replaced/);
  });

  it("says 503 on /ready while the database cannot be migrated, but 200 on /health; SIGINT exits 130", async () => {
    const missing = new URL(db.url);
    missing.pathname = "/no_such_database_here";
    const served = await serve([
      "--db",
      missing.toString(),
      "--source",
      material.masterList,
      "--cron",
      NEVER_SOON,
    ]);
    running.push(served);
    expect((await get(`${served.url}/health`)).status).toBe(200);
    const ready = await get(`${served.url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: "not_ready" });
    expect((await get(`${served.url}/trigger`, { method: "POST" })).status).toBe(503);
    served.child.kill("SIGINT");
    expect(await served.exited).toBe(130);
  });

  it("--run-on-startup syncs once the schema is ready", async () => {
    const fresh = await createTestDatabase("postgres");
    try {
      const served = await serve([
        "--db",
        fresh.url,
        "--source",
        material.masterList,
        "--ldif",
        material.ldif,
        "--trust-anchor",
        material.anchor,
        "--cron",
        NEVER_SOON,
        "--run-on-startup",
      ]);
      running.push(served);
      const lastRun = await waitFor("the start-up run", async () => {
        const body = (await get(`${served.url}/info`)).body;
        return (body.lastRun as Record<string, unknown> | null) ?? undefined;
      });
      expect(lastRun).toMatchObject({
        trigger: "startup",
        status: "replaced",
        counts: { root_ca: material.pki.cscas.length, dsc: material.pki.dscs.length },
        verification: { enabled: true },
      });
      served.child.kill("SIGTERM");
      expect(await served.exited).toBe(143);
    } finally {
      await fresh.drop();
    }
  });

  it("runs on its cron schedule", async () => {
    const fresh = await createTestDatabase("postgres");
    try {
      // Six fields: every second, so the first scheduled run comes at once.
      const served = await serve([
        "--db",
        fresh.url,
        "--source",
        material.masterList,
        "--trust-anchor",
        material.anchor,
        "--cron",
        "* * * * * *",
      ]);
      running.push(served);
      const lastRun = await waitFor("a scheduled run", async () => {
        const body = (await get(`${served.url}/info`)).body;
        return (body.lastRun as Record<string, unknown> | null) ?? undefined;
      });
      expect(lastRun).toMatchObject({ trigger: "schedule", status: "replaced" });
      const later = await waitFor("a second scheduled run", async () => {
        const body = (await get(`${served.url}/info`)).body;
        const run = body.lastRun as { startedAt: string; status: string };
        return run.startedAt !== lastRun.startedAt ? run : undefined;
      });
      expect(later).toMatchObject({ trigger: "schedule", status: "unchanged" });
      served.child.kill("SIGTERM");
      expect(await served.exited).toBe(143);
    } finally {
      await fresh.drop();
    }
  });
});
