import { createTestDatabase, runTypeScript, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { listFlags, type Material, tableCounts, useTestStore } from "./material.js";
import {
  CLI,
  get,
  killStillRunning,
  lastRunOf,
  NEVER_SOON,
  send,
  serve,
  type Served,
  stop,
  untilReady,
  waitFor,
} from "./served-app.js";

/** `serve` on the shared database with the generated list and its anchor, runs only when asked. */
function listArgs(): string[] {
  return [...listFlags(db.url, material), "--cron", NEVER_SOON];
}

let db: TestDatabase;
let pool: pg.Pool;
let material: Material;
let running: Served[] = [];
useTestStore("serve", (store) => ({ db, pool, material } = store));

afterAll(async () => {
  killStillRunning(running);
  running = [];
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
    const served = await serve([...listArgs(), "--force"]);
    running.push(served);
    const { url } = served;

    expect(await get(`${url}/health`)).toEqual({ status: 200, body: { status: "ok" } });
    await untilReady(url);
    const idle = await get(`${url}/info`);
    expect(idle.status).toBe(200);
    expect(idle.body).toMatchObject({ name: "certs-icao-sync", version: "0.0.0", schedule: NEVER_SOON });
    expect(idle.body).toMatchObject({ running: null, lastRun: null, counts: null });
    expect(idle.body.store).toEqual({
      tables: { root_ca: 0, dsc: 0, crls: 0, revoked_certificate_list: 0 },
      lastLoggedRun: null,
      lastChanges: null,
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
    expect(await stop(served, "SIGINT")).toBe(130);
  });

  it("--run-on-startup syncs once the schema is ready", async () => {
    const fresh = await createTestDatabase("postgres");
    try {
      const served = await serve([
        ...listFlags(fresh.url, material),
        "--ldif",
        material.ldif,
        "--cron",
        NEVER_SOON,
        "--run-on-startup",
      ]);
      running.push(served);
      const lastRun = await lastRunOf(served.url);
      expect(lastRun).toMatchObject({
        trigger: "startup",
        status: "replaced",
        counts: { root_ca: material.pki.cscas.length, dsc: material.pki.dscs.length },
        verification: { enabled: true },
      });
      expect(await stop(served)).toBe(143);
    } finally {
      await fresh.drop();
    }
  });

  it("runs on its cron schedule", async () => {
    const fresh = await createTestDatabase("postgres");
    try {
      // Six fields: every second, so the first scheduled run comes at once.
      const served = await serve([...listFlags(fresh.url, material), "--cron", "* * * * * *"]);
      running.push(served);
      const lastRun = await lastRunOf(served.url);
      expect(lastRun).toMatchObject({ trigger: "schedule", status: "replaced" });
      const later = await lastRunOf(served.url, String(lastRun.finishedAt));
      expect(later).toMatchObject({ trigger: "schedule", status: "unchanged" });
      expect(await stop(served)).toBe(143);
    } finally {
      await fresh.drop();
    }
  });
});

describe("certs-icao-sync serve: who may trigger a sync", () => {
  const TOKEN = "0f3c9a7e5b1d4c2a8e6f0b3d5a7c9e1f";

  it("with --trigger-token, POST /trigger needs exactly that bearer token", async () => {
    const served = await serve(listArgs(), { CERTS_TRIGGER_TOKEN: TOKEN });
    running.push(served);
    await untilReady(served.url);
    const bare = await send(`${served.url}/trigger`, "POST");
    expect(bare.status).toBe(401);
    expect(bare.headers["www-authenticate"]).toBe('Bearer realm="certs-icao-sync"');
    expect(bare.body).toEqual({
      error: "POST /trigger needs the header Authorization: Bearer <the --trigger-token>",
    });
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN]) {
      expect((await send(`${served.url}/trigger`, "POST", { authorization })).status, authorization).toBe(
        401,
      );
    }
    expect((await get(`${served.url}/info`)).body).toMatchObject({ running: null, lastRun: null });
    const started = await send(`${served.url}/trigger`, "POST", { authorization: `Bearer ${TOKEN}` });
    expect(started.status).toBe(202);
    expect(await lastRunOf(served.url)).toMatchObject({ trigger: "manual" });
    expect(await stop(served)).toBe(143);
    expect(served.stderr()).not.toContain(TOKEN);
  });

  it("without a token, POST /trigger refuses a cross-site Origin, Sec-Fetch-Site or a rebound Host name", async () => {
    const served = await serve(listArgs());
    running.push(served);
    const { url } = served;
    const port = new URL(url).port;
    await untilReady(url);
    const hostile: [Record<string, string>, string][] = [
      [
        { origin: "https://evil.example" },
        "POST /trigger refuses cross-site requests (Origin is not this server)",
      ],
      [{ origin: "null" }, "POST /trigger refuses cross-site requests (Origin is not this server)"],
      [
        { origin: `http://localhost:${port}` },
        "POST /trigger refuses cross-site requests (Origin is not this server)",
      ],
      [
        { "sec-fetch-site": "cross-site" },
        "POST /trigger refuses cross-site requests (Sec-Fetch-Site cross-site)",
      ],
      [
        { "sec-fetch-site": "same-site" },
        "POST /trigger refuses cross-site requests (Sec-Fetch-Site same-site)",
      ],
      [
        { host: `evil.example:${port}`, origin: `http://evil.example:${port}` },
        "POST /trigger without --trigger-token is answered only for a loopback Host",
      ],
    ];
    for (const [headers, error] of hostile) {
      const refused = await send(`${url}/trigger`, "POST", headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(refused.body).toEqual({ error });
    }
    expect((await get(`${url}/info`)).body).toMatchObject({ running: null, lastRun: null });
    // The page the server itself serves, and a plain client such as curl, may.
    const sameOrigin = await send(`${url}/trigger`, "POST", { origin: url, "sec-fetch-site": "same-origin" });
    expect(sameOrigin.status).toBe(202);
    expect(await lastRunOf(url)).toMatchObject({ trigger: "manual" });
    expect(await stop(served)).toBe(143);
  });

  it("refuses to start on an address other machines can reach unless a token is given", async () => {
    const args = [
      "serve",
      "--port",
      "0",
      "--source",
      material.masterList,
      "--db",
      db.url,
      "--cron",
      NEVER_SOON,
    ];
    const open = await runTypeScript(CLI, [...args, "--host", "0.0.0.0"]);
    expect(open.code).toBe(2);
    expect(open.stderr).toBe(
      "error: CONFIGURATION_ERROR: --host 0.0.0.0 can be reached from other machines: give --trigger-token (env CERTS_TRIGGER_TOKEN) so that only callers with it can start a sync, or listen on 127.0.0.1.\n",
    );
    const short = await runTypeScript(CLI, [...args, "--host", "0.0.0.0"], {
      env: { CERTS_TRIGGER_TOKEN: "hunter2" },
    });
    expect(short.code).toBe(2);
    expect(short.stderr).toBe(
      "error: CONFIGURATION_ERROR: CERTS_TRIGGER_TOKEN must be at least 16 characters without spaces (a random secret, e.g. from openssl rand -hex 32).\n",
    );
    const served = await serve(
      ["--db", db.url, "--source", material.masterList, "--cron", NEVER_SOON, "--host", "0.0.0.0"],
      { CERTS_TRIGGER_TOKEN: TOKEN },
    );
    running.push(served);
    expect(served.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    const port = new URL(served.url).port;
    expect((await send(`http://127.0.0.1:${port}/trigger`, "POST")).status).toBe(401);
    expect(await stop(served)).toBe(143);
  });
});

describe("certs-icao-sync serve under load", () => {
  it("100 concurrent /info clients never make /ready report the database down, even while the counts hang", async () => {
    const served = await serve(listArgs());
    running.push(served);
    const { url } = served;
    await untilReady(url);
    expect((await get(`${url}/info`)).status).toBe(200);
    // Every count of root_ca now waits for this lock: a slow database, as far as /info can tell.
    const blocker = await pool.connect();
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE root_ca IN ACCESS EXCLUSIVE MODE");
    try {
      const until = Date.now() + 4_000;
      const infoStatuses: number[] = [];
      const clients = Array.from({ length: 100 }, async () => {
        while (Date.now() < until) infoStatuses.push((await get(`${url}/info`)).status);
      });
      const readiness: { status: number; ms: number }[] = [];
      const probing = (async () => {
        while (Date.now() < until) {
          const started = performance.now();
          const ready = await get(`${url}/ready`);
          readiness.push({ status: ready.status, ms: performance.now() - started });
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      await Promise.all([...clients, probing]);
      expect(readiness.length).toBeGreaterThan(5);
      expect(readiness.filter((r) => r.status !== 200)).toEqual([]);
      expect(Math.max(...readiness.map((r) => r.ms))).toBeLessThan(1_000);
      expect(infoStatuses.length).toBeGreaterThan(100);
      expect(new Set(infoStatuses)).toEqual(new Set([200]));
      // Only a handful of count queries ever reached the database, however many /info requests came.
      const waiting = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'certs-icao-sync' AND wait_event_type = 'Lock'`,
      );
      expect(Number(waiting.rows[0]?.n)).toBeLessThanOrEqual(2);
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }
    expect(await stop(served)).toBe(143);
  });
});
