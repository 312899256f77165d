import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startReplicaPair, type ReplicaPair } from "@certs/testdb";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCerts, type ExportCertsOptions, type ReplicaLagEvent } from "../src/index.js";
import { generateCertRows, insertCertRows, seedCertsTable, type CertRowData } from "../src/testing/index.js";
import { countRows, openCertsDataSource } from "./certs-database.js";
import { exactlyOnceViolation, readOutput } from "./pending-output.js";

let pair: ReplicaPair;
let primary: DataSource;
let replica: DataSource;
let rows: CertRowData[];

beforeAll(async () => {
  pair = await startReplicaPair();
  primary = await openCertsDataSource(pair.primary.url);
  replica = await openCertsDataSource(pair.replica.url, 2);
  rows = await generateCertRows({ seed: "replica-lag", count: 200, distinctEntries: 20 });
}, 120_000);

afterAll(async () => {
  await primary?.destroy().catch(() => undefined);
  await replica?.destroy().catch(() => undefined);
  await pair?.dispose();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `done()` holds, for at most `ms` (a bound, not a timing assertion). */
async function eventually(what: string, done: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

function outputDir(prefix: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), prefix)), "upload_failure");
}

function pendingFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".json")) : [];
}

/** Seeds the primary's table and waits until the replica has it too. */
async function seedBoth(seeded: readonly CertRowData[]): Promise<void> {
  await seedCertsTable(primary, seeded, { withIpAddress: false });
  await pair.waitForReplicaSync();
}

function options(dir: string, events: ReplicaLagEvent[], maxLagSeconds: number): ExportCertsOptions {
  return {
    outputDir: dir,
    batchSize: 16,
    sleepMs: 0,
    checkReplica: { replica: pair.replica.url, maxLagSeconds, pollMs: 100 },
    onReplicaLag: (event) => events.push(event),
  };
}

describe("exportCerts with checkReplica, on a MariaDB primary and its binlog replica", () => {
  it("exports every row without pausing while the replica is in sync, and the replica's table ends empty too", async () => {
    await seedBoth(rows);
    const dir = outputDir("ct-replica-sync-");
    const events: ReplicaLagEvent[] = [];
    const result = await exportCerts(primary, options(dir, events, 10));
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.stoppedBy).toBe("drained");
    expect(result.value.rows).toBe(rows.length);
    expect(events).toEqual([]);
    expect(exactlyOnceViolation(rows, readOutput(dir), false)).toBeNull();
    await pair.waitForReplicaSync();
    expect(await countRows(replica)).toBe(0);
  });

  it("claims nothing while the replica's SQL thread is stopped (lag unknown), then drains once it runs again", async () => {
    await seedBoth(rows.slice(0, 100));
    await pair.stopReplicaSql();
    const dir = outputDir("ct-replica-stopped-");
    const events: ReplicaLagEvent[] = [];
    let restarted = false;
    try {
      const running = exportCerts(primary, options(dir, events, 5));
      await eventually("a pause", () => events.length > 0);
      // Several polls later the run is still paused, having claimed nothing.
      await sleep(500);
      expect(await countRows(primary)).toBe(100);
      expect(pendingFiles(dir)).toEqual([]);
      expect(events).toHaveLength(1);
      const paused = events[0];
      expect(paused?.kind).toBe("paused");
      expect(paused?.lagSeconds).toBeNull();
      expect(paused?.kind === "paused" && paused.reason).toMatch(/SQL thread: No/);

      await pair.startReplicaSql();
      restarted = true;
      const result = await running;
      if (!result.ok) throw new Error(result.error.message);
      expect(result.value.stoppedBy).toBe("drained");
      expect(events.map((event) => event.kind)).toEqual(["paused", "resumed"]);
      expect(exactlyOnceViolation(rows.slice(0, 100), readOutput(dir), false)).toBeNull();
      expect(await countRows(primary)).toBe(0);
    } finally {
      if (!restarted) await pair.startReplicaSql();
    }
  });

  it("pauses while the replica falls behind (its SQL thread waits on a lock) and resumes when it has caught up", async () => {
    const seeded = rows.slice(0, 100);
    await seedBoth(seeded);
    // A table lock on the replica blocks the replicated deletes, so its Seconds_Behind_Master grows.
    const blocker = replica.createQueryRunner();
    const dir = outputDir("ct-replica-behind-");
    const events: ReplicaLagEvent[] = [];
    let unlocked = false;
    try {
      await blocker.connect();
      await blocker.query("LOCK TABLES certs WRITE");
      // 25 batches at least 200 ms apart: the run is still going when the lag (whole seconds) passes 1 s.
      let finished = false;
      const running = exportCerts(primary, {
        ...options(dir, events, 1),
        batchSize: 4,
        sleepMs: 200,
      }).finally(() => {
        finished = true;
      });
      await eventually(
        "a pause",
        () => {
          if (finished) throw new Error("the run ended without pausing");
          return events.length > 0;
        },
        30_000,
      );
      const paused = events[0];
      expect(paused?.kind).toBe("paused");
      expect(paused?.lagSeconds).toBeGreaterThan(1);
      const leftAtPause = await countRows(primary);
      expect(leftAtPause).toBeGreaterThan(0);
      await sleep(500);
      expect(await countRows(primary)).toBe(leftAtPause);

      await blocker.query("UNLOCK TABLES");
      unlocked = true;
      const result = await running;
      if (!result.ok) throw new Error(result.error.message);
      expect(result.value.stoppedBy).toBe("drained");
      expect(events.filter((event) => event.kind === "resumed").length).toBeGreaterThanOrEqual(1);
      expect(events.at(-1)?.kind).toBe("resumed");
      expect(exactlyOnceViolation(seeded, readOutput(dir), false)).toBeNull();
      expect(await countRows(primary)).toBe(0);
    } finally {
      if (!unlocked) await blocker.query("UNLOCK TABLES").catch(() => undefined);
      await blocker.release();
    }
  });

  it("pauses while the replica is unreachable, and an abort then stops the run with every row still in the table", async () => {
    await seedBoth(rows.slice(0, 50));
    await pair.replica.stop();
    const dir = outputDir("ct-replica-down-");
    const events: ReplicaLagEvent[] = [];
    const abort = new AbortController();
    try {
      const running = exportCerts(primary, { ...options(dir, events, 5), signal: abort.signal });
      await eventually("a pause", () => events.length > 0);
      expect(events[0]?.kind === "paused" && events[0].reason).toMatch(/could not connect|unknown/i);
      abort.abort();
      const result = await running;
      if (!result.ok) throw new Error(result.error.message);
      expect(result.value.stoppedBy).toBe("aborted");
      expect(result.value.rows).toBe(0);
      expect(await countRows(primary)).toBe(50);
      expect(pendingFiles(dir)).toEqual([]);
    } finally {
      await pair.replica.start();
    }
    await pair.waitForReplicaSync();
  });

  it("with follow, pauses when the replica goes down in the middle of a run and resumes once it is back", async () => {
    await seedBoth(rows.slice(0, 50));
    const dir = outputDir("ct-replica-restart-");
    const events: ReplicaLagEvent[] = [];
    const abort = new AbortController();
    let exported = 0;
    let replicaDown = false;
    const running = exportCerts(primary, {
      ...options(dir, events, 5),
      follow: true,
      sleepMs: 100,
      signal: abort.signal,
      onBatch: (progress) => {
        exported = progress.totalRows;
      },
    });
    try {
      await eventually("the first 50 rows", () => exported === 50);
      await pair.replica.stop();
      replicaDown = true;
      await insertCertRows(primary, rows.slice(50, 100), { withIpAddress: false });
      await eventually("a pause", () => events.length > 0);
      expect(events[0]?.kind).toBe("paused");
      expect(events[0]?.lagSeconds).toBeNull();
      expect(await countRows(primary)).toBe(50);

      await pair.replica.start();
      replicaDown = false;
      await eventually("the other 50 rows", () => exported === 100);
      expect(events.map((event) => event.kind)).toEqual(["paused", "resumed"]);
    } finally {
      abort.abort();
      if (replicaDown) await pair.replica.start();
    }
    const result = await running;
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.stoppedBy).toBe("aborted");
    expect(exactlyOnceViolation(rows.slice(0, 100), readOutput(dir), false)).toBeNull();
    expect(await countRows(primary)).toBe(0);
    await pair.waitForReplicaSync();
  });

  it("pauses when the server it is pointed at is not a replica", async () => {
    await seedBoth(rows.slice(0, 10));
    const events: ReplicaLagEvent[] = [];
    const abort = new AbortController();
    const running = exportCerts(primary, {
      ...options(outputDir("ct-replica-none-"), events, 5),
      checkReplica: { replica: pair.primary.url, maxLagSeconds: 5, pollMs: 100 },
      signal: abort.signal,
    });
    await eventually("a pause", () => events.length > 0);
    abort.abort();
    const result = await running;
    expect(result.ok && result.value.rows).toBe(0);
    expect(events[0]?.kind === "paused" && events[0].reason).toMatch(/not a replica/);
  });

  it.each([
    [{ replica: "mysql://u@127.0.0.1/certs", maxLagSeconds: 0 }, /maxLagSeconds must be more than 0, got 0/],
    [
      { replica: "mysql://u@127.0.0.1/certs", maxLagSeconds: Number.NaN },
      /maxLagSeconds must be more than 0/,
    ],
    [
      { replica: "postgres://u:pw@127.0.0.1/certs", maxLagSeconds: 5 },
      /must be a mysql:\/\/ or mariadb:\/\/ URL/,
    ],
    [{ replica: "not a url", maxLagSeconds: 5 }, /checkReplica\.replica: .*no scheme/],
  ])("refuses bad replica settings before exporting anything: %o", async (checkReplica, message) => {
    await seedBoth(rows.slice(0, 10));
    const result = await exportCerts(primary, { outputDir: outputDir("ct-replica-bad-"), checkReplica });
    expect(!result.ok && result.error.code).toBe("CONFIGURATION_ERROR");
    expect(!result.ok && result.error.message).toMatch(message);
    expect(!result.ok && result.error.message).not.toContain("pw");
    expect(await countRows(primary)).toBe(10);
  });
});
