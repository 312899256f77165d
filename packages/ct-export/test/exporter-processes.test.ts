import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCertRows, SeededRandom, seedCertsTable, type CertRowData } from "../src/testing/index.js";
import { countRows, openCertsDataSource } from "./certs-database.js";
import { startExporter } from "./exporter-child.js";
import { exactlyOnceViolation, readOutput } from "./pending-output.js";

const ROWS = 5000;
const KILLS = 20;
let rows: CertRowData[];

beforeAll(async () => {
  rows = await generateCertRows({
    seed: "exporter-processes",
    count: ROWS,
    distinctEntries: 64,
    withIpAddress: true,
  });
});

function outputDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "ct-processes-")), "upload_failure");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe.each(["mysql", "postgres"] as const)("exporter processes on %s", (kind) => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    dataSource = await openCertsDataSource(db.url);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it(`exactly-once holds after ${KILLS} SIGKILLs at random moments and a clean run`, async () => {
    await seedCertsTable(dataSource, rows, { withIpAddress: true });
    const dir = outputDir();
    const random = new SeededRandom(`kills-${kind}`);
    let kills = 0;
    let killedAfterBatches = 0;
    // Journal entries and temp files found right after a kill: the kill landed inside a batch.
    let entriesLeft = 0;
    let tempsLeft = 0;
    while (kills < KILLS) {
      const child = startExporter({ url: db.url, outputDir: dir, batchSize: 16, sleepMs: 0 });
      if (random.chance(0.2)) {
        // Now and then during start-up (connecting, reconciling the journal) rather than mid-export; at the
        // latest right at the first batch, so a fast start cannot drain the table before the kill.
        await Promise.race([sleep(random.int(50, 1000)), child.firstBatch()]);
      } else {
        await child.firstBatch();
        await sleep(random.int(0, 40));
      }
      const killed = child.process.kill("SIGKILL");
      const exit = await child.exited();
      if (!killed) {
        throw new Error(
          `the exporter ended on its own (exit ${exit.code}) with ${await countRows(dataSource)} rows left: ${exit.stdout}${exit.stderr}`,
        );
      }
      if (exit.signal !== "SIGKILL")
        throw new Error(`the exporter ended before it was killed: ${exit.stdout}${exit.stderr}`);
      kills += 1;
      killedAfterBatches += child.batches();
      const left = readOutput(dir);
      entriesLeft += await countRows(dataSource, "ct_export_journal");
      tempsLeft += left.others.length;
    }
    // The kills must have hit a table still being drained, not an empty one.
    expect(await countRows(dataSource)).toBeGreaterThan(0);
    expect(killedAfterBatches).toBeGreaterThan(0);
    expect(entriesLeft + tempsLeft).toBeGreaterThan(0);

    const clean = startExporter({ url: db.url, outputDir: dir, batchSize: 16, sleepMs: 0 });
    const exit = await clean.exited();
    expect(exit.code, exit.stdout + exit.stderr).toBe(0);

    const output = readOutput(dir);
    expect(exactlyOnceViolation(rows, output, true)).toBeNull();
    expect(output.journal).toEqual([]);
    expect(output.others).toEqual([]);
    expect(await countRows(dataSource)).toBe(0);
  }, 600_000);

  it("exactly-once holds with four exporters draining one table at once", async () => {
    const subset = rows;
    await seedCertsTable(dataSource, subset, { withIpAddress: true });
    const dir = outputDir();
    const children = Array.from({ length: 4 }, () =>
      startExporter({ url: db.url, outputDir: dir, batchSize: 32, sleepMs: 0 }),
    );
    const exits = await Promise.all(children.map((child) => child.exited()));
    for (const exit of exits) expect(exit.code, exit.stdout + exit.stderr).toBe(0);
    const exported = exits.map((exit) => {
      const line = /^summary (.*)$/m.exec(exit.stdout)?.[1] ?? "{}";
      return (JSON.parse(line) as { rows?: number }).rows ?? 0;
    });
    expect(exported.reduce((a, b) => a + b, 0)).toBe(subset.length);
    // Each process did part of the work (SKIP LOCKED spreads the batches).
    expect(exported.filter((n) => n > 0).length).toBeGreaterThan(1);

    const output = readOutput(dir);
    expect(exactlyOnceViolation(subset, output, true)).toBeNull();
    expect(output.journal).toEqual([]);
    expect(output.others).toEqual([]);
    expect(await countRows(dataSource)).toBe(0);
  }, 300_000);

  it(`exactly-once holds across four exporters, each with its own directory, after ${KILLS} SIGKILLs among them and a clean run per directory`, async () => {
    await seedCertsTable(dataSource, rows, { withIpAddress: true });
    const dirs = Array.from({ length: 4 }, () => outputDir());
    const random = new SeededRandom(`directories-${kind}`);
    // Slowed down (small batches, a pause between them) so that the kills land in a table still being drained.
    const start = (dir: string) => startExporter({ url: db.url, outputDir: dir, batchSize: 8, sleepMs: 100 });
    const children = dirs.map(start);
    let kills = 0;
    let entriesLeft = 0;
    // At least KILLS kills, and more (up to three times as many) until one of them has landed inside a batch
    // and left a journal entry unsettled: which kill does depends on the machine's speed, not on the seed.
    while (kills < KILLS || (entriesLeft === 0 && kills < 3 * KILLS)) {
      const at = kills % dirs.length;
      const child = children[at]!;
      await child.firstBatch();
      // The next batch starts after the 100 ms pause: aim around its start so that most kills land in one.
      await sleep(random.int(60, 160));
      const killed = child.process.kill("SIGKILL");
      const exit = await child.exited();
      if (!killed || exit.signal !== "SIGKILL") {
        throw new Error(
          `exporter ${at} ended before it was killed (exit ${exit.code}): ${exit.stdout}${exit.stderr}`,
        );
      }
      kills += 1;
      entriesLeft = Math.max(entriesLeft, await countRows(dataSource, "ct_export_journal"));
      children[at] = start(dirs[at]!);
    }
    for (const child of children) child.process.kill("SIGKILL");
    await Promise.all(children.map((child) => child.exited()));
    expect(await countRows(dataSource)).toBeGreaterThan(0);
    // Some kill left a batch recorded but not settled: what the clean runs must sort out.
    expect(entriesLeft).toBeGreaterThan(0);

    // One clean run per directory, in turn: each settles its own entries first; rows of the others' entries
    // it holds back (exit 1) for their own runs, which come after.
    const exits: (number | null)[] = [];
    for (const dir of dirs) {
      const exit = await startExporter({ url: db.url, outputDir: dir, batchSize: 32, sleepMs: 0 }).exited();
      exits.push(exit.code);
      expect([0, 1], exit.stdout + exit.stderr).toContain(exit.code);
    }
    expect(exits[exits.length - 1]).toBe(0);

    const outputs = dirs.map((dir, at) => {
      const output = readOutput(dir);
      expect(output.journal).toEqual([]);
      expect(output.others).toEqual([]);
      return {
        ...output,
        entries: output.entries.map((entry) => ({ ...entry, file: `${at}/${entry.file}` })),
      };
    });
    const union = {
      entries: outputs.flatMap((output) => output.entries),
      files: outputs.flatMap((output, at) => output.files.map((file) => `${at}/${file}`)),
      others: [],
      journal: [],
    };
    expect(exactlyOnceViolation(rows, union, true)).toBeNull();
    expect(await countRows(dataSource)).toBe(0);
    expect(await countRows(dataSource, "ct_export_journal")).toBe(0);
  }, 600_000);

  it("SIGTERM (the app's Ctrl+C path) finishes the batch in flight and exits cleanly", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 2000), { withIpAddress: true });
    const dir = outputDir();
    const child = startExporter({ url: db.url, outputDir: dir, batchSize: 16, sleepMs: 0 });
    await child.firstBatch();
    child.process.kill("SIGTERM");
    const exit = await child.exited();
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stdout).toMatch(/"stoppedBy":"(aborted|drained)"/);
    const output = readOutput(dir);
    expect(output.journal).toEqual([]);
    expect(output.others).toEqual([]);
    expect(await countRows(dataSource)).toBe(2000 - output.entries.length);
  }, 120_000);
});
