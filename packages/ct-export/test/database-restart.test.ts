import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startPrivateServer, type PrivateServer } from "@certs/testdb";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCerts } from "../src/index.js";
import { generateCertRows, seedCertsTable, type CertRowData } from "../src/testing/index.js";
import { countRows, openCertsDataSource } from "./certs-database.js";
import { exactlyOnceViolation, readOutput } from "./pending-output.js";

let rows: CertRowData[];

beforeAll(async () => {
  rows = await generateCertRows({ seed: "database-restart", count: 400, distinctEntries: 20 });
});

describe.each(["mysql", "postgres"] as const)("a %s server killed in the middle of an export", (kind) => {
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

  it("is ridden out by retries, and every row still lands in exactly one file", async () => {
    await seedCertsTable(dataSource, rows, { withIpAddress: false });
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "ct-restart-")), "upload_failure");
    let restart: Promise<void> | undefined;
    const result = await exportCerts(dataSource, {
      outputDir: dir,
      batchSize: 16,
      sleepMs: 10,
      retryPolicy: { maxAttempts: 40, initialDelayMs: 100, maxDelayMs: 400, factor: 1.5, jitter: false },
      onBatch: (progress) => {
        if (progress.batch !== 3) return;
        // SIGKILL, as a crash would; back after a second, on the same port and data.
        restart = (async () => {
          await server.kill();
          await new Promise((resolve) => setTimeout(resolve, 1000));
          await server.start();
        })();
      },
    });
    await restart;
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.retries).toBeGreaterThan(0);

    // A kill between publishing and committing leaves ids for the next run, which deletes them.
    const second = await exportCerts(dataSource, { outputDir: dir, batchSize: 16, sleepMs: 0 });
    if (!second.ok) throw new Error(second.error.message);
    expect(second.value.skippedIds).toEqual([]);
    const output = readOutput(dir);
    expect(exactlyOnceViolation(rows, output, false)).toBeNull();
    expect(output.journal).toEqual([]);
    expect(await countRows(dataSource)).toBe(0);
  }, 180_000);
});
