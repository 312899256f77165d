import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Logger } from "@certs/db";
import { startPrivateServer, type PrivateServer } from "@certs/testdb";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCerts } from "../src/index.js";
import { generateCertRows, insertCertRows, seedCertsTable, type CertRowData } from "../src/testing/index.js";
import { countRows, openCertsDataSource } from "./certs-database.js";
import { exactlyOnceViolation, readOutput } from "./pending-output.js";

let rows: CertRowData[];

beforeAll(async () => {
  rows = await generateCertRows({ seed: "database-restart", count: 400, distinctEntries: 20 });
});

/** How long each engine stays down: MariaDB restarts in about 3 s; PostgreSQL after a crash replays its WAL. */
const DOWN_MS = { mysql: 3_000, postgres: 10_000 } as const;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A logger that keeps each message, to assert what the run said about outages. */
function recordingLogger(): Logger & { messages: string[] } {
  const messages: string[] = [];
  const keep = (_fields: object, message?: string): void => {
    messages.push(message ?? "");
  };
  return { messages, debug: keep, info: keep, warn: keep, error: keep };
}

describe.each(["mysql", "postgres"] as const)(
  "a private %s server killed in the middle of an export",
  (kind) => {
    let server: PrivateServer;
    let dataSource: DataSource;

    beforeAll(async () => {
      server = await startPrivateServer(kind);
      dataSource = await openCertsDataSource(server.url);
    });

    afterAll(async () => {
      await dataSource.destroy().catch(() => undefined);
      await server.dispose();
    });

    /** SIGKILL (a crash: PostgreSQL then runs crash recovery), down for `DOWN_MS`, then back on the same port. */
    async function crashAndRestart(): Promise<void> {
      await server.kill();
      await sleep(DOWN_MS[kind]);
      await server.start();
    }

    /** Inserts rows, retrying while the test's own pool still holds connections of the killed server. */
    async function insertEventually(more: readonly CertRowData[]): Promise<void> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await insertCertRows(dataSource, more, { withIpAddress: false });
          return;
        } catch (error) {
          if (attempt > 50) throw error;
          await sleep(200);
        }
      }
    }

    it(`is ridden out with the default retry budget (down ${DOWN_MS[kind] / 1000} s); every row lands in exactly one file`, async () => {
      await seedCertsTable(dataSource, rows, { withIpAddress: false });
      const dir = path.join(mkdtempSync(path.join(tmpdir(), "ct-restart-")), "upload_failure");
      let restart: Promise<void> | undefined;
      const result = await exportCerts(dataSource, {
        outputDir: dir,
        batchSize: 16,
        sleepMs: 10,
        onBatch: (progress) => {
          if (progress.batch === 3) restart = crashAndRestart();
        },
      });
      await restart;
      if (!result.ok) throw new Error(result.error.message);
      expect(result.value.retries).toBeGreaterThan(0);
      expect(result.value.stoppedBy).toBe("drained");

      // A kill between publishing and committing leaves ids for the next run, which deletes them.
      const second = await exportCerts(dataSource, { outputDir: dir, batchSize: 16, sleepMs: 0 });
      if (!second.ok) throw new Error(second.error.message);
      expect(second.value.skippedIds).toEqual([]);
      const output = readOutput(dir);
      expect(exactlyOnceViolation(rows, output, false)).toBeNull();
      expect(await countRows(dataSource)).toBe(0);
    }, 180_000);

    it("with follow, outlives two restarts, logging each outage and recovery, and exports every row once", async () => {
      await seedCertsTable(dataSource, rows.slice(0, 100), { withIpAddress: false });
      const dir = path.join(mkdtempSync(path.join(tmpdir(), "ct-follow-restart-")), "upload_failure");
      const logger = recordingLogger();
      const abort = new AbortController();
      let exported = 0;
      const running = exportCerts(dataSource, {
        outputDir: dir,
        batchSize: 16,
        sleepMs: 50,
        follow: true,
        logger,
        signal: abort.signal,
        onBatch: (progress) => {
          exported = progress.totalRows;
        },
      });
      const waitFor = async (total: number): Promise<void> => {
        const deadline = Date.now() + 90_000;
        while (exported < total) {
          if (Date.now() > deadline) throw new Error(`only ${exported} of ${total} rows exported`);
          await sleep(100);
        }
      };
      await waitFor(16);
      await crashAndRestart();
      await insertEventually(rows.slice(100, 200));
      await waitFor(200);
      await crashAndRestart();
      await insertEventually(rows.slice(200, 300));
      await waitFor(300);
      abort.abort();
      const result = await running;
      if (!result.ok) throw new Error(result.error.message);
      expect(result.value.stoppedBy).toBe("aborted");
      const back = logger.messages.filter((message) => message.startsWith("the database is back"));
      expect(back.length).toBeGreaterThanOrEqual(2);
      expect(logger.messages.some((message) => message.startsWith("the database is unreachable"))).toBe(true);

      const second = await exportCerts(dataSource, { outputDir: dir, batchSize: 16, sleepMs: 0 });
      if (!second.ok) throw new Error(second.error.message);
      expect(exactlyOnceViolation(rows.slice(0, 300), readOutput(dir), false)).toBeNull();
      expect(await countRows(dataSource)).toBe(0);
    }, 300_000);
  },
);
