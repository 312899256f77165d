import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCerts, type ExportSummary } from "../src/index.js";
import { generateCertRows, insertCertRows, seedCertsTable, type CertRowData } from "../src/testing/index.js";
import { countRows, openCertsDataSource } from "./certs-database.js";
import { exactlyOnceViolation, readOutput } from "./pending-output.js";

let rows: CertRowData[];

beforeAll(async () => {
  rows = await generateCertRows({
    seed: "export-certs",
    count: 300,
    distinctEntries: 40,
    withIpAddress: true,
  });
});

function outputDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "ct-export-")), "pending", "upload_failure");
}

function summaryOf(result: {
  ok: boolean;
  value?: ExportSummary;
  error?: { message: string };
}): ExportSummary {
  if (!result.ok || result.value === undefined) throw new Error(result.error?.message ?? "export failed");
  return result.value;
}

describe.each(["mysql", "postgres"] as const)("exportCerts on %s", (kind) => {
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

  it("exports every row exactly once, in id order, keeps ct_index digits above 2^53, and empties the table", async () => {
    await seedCertsTable(dataSource, rows, { withIpAddress: true });
    const dir = outputDir();
    const summary = summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 32, sleepMs: 0 }));

    const output = readOutput(dir);
    expect(exactlyOnceViolation(rows, output, true)).toBeNull();
    expect(output.files).toHaveLength(10);
    expect(output.others).toEqual([]);
    expect(output.journal).toEqual([]);
    expect(await countRows(dataSource)).toBe(0);
    expect(summary).toMatchObject({
      rows: 300,
      files: 10,
      stoppedBy: "drained",
      skippedIds: [],
      dryRun: false,
    });
    const bytes = output.files.reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);
    expect(summary.bytes).toBe(bytes);
    const large = rows.filter((r) => BigInt(r.ct_index) > 2n ** 53n);
    expect(large.length).toBeGreaterThan(0);
    for (const row of large) expect(output.entries.some((e) => e.ct_index === row.ct_index)).toBe(true);
  });

  it("works with a pool of two connections (one keeps the journal, the pipeline then waits); one is refused", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 100), { withIpAddress: true });
    const single = await openCertsDataSource(db.url, 1);
    try {
      const refused = await exportCerts(single, { outputDir: outputDir(), batchSize: 16, sleepMs: 0 });
      expect(!refused.ok && refused.error.message).toMatch(/needs a pool of at least 2 connections/);
    } finally {
      await single.destroy();
    }
    const two = await openCertsDataSource(db.url, 2);
    try {
      const dir = outputDir();
      const summary = summaryOf(await exportCerts(two, { outputDir: dir, batchSize: 16, sleepMs: 0 }));
      expect(summary.rows).toBe(100);
      expect(exactlyOnceViolation(rows.slice(0, 100), readOutput(dir), true)).toBeNull();
      expect(await countRows(dataSource)).toBe(0);
    } finally {
      await two.destroy();
    }
  });

  it("writes ip_address null for every row when the table has no ip_address column", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 70), { withIpAddress: false });
    const dir = outputDir();
    const summary = summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 32, sleepMs: 5 }));
    const output = readOutput(dir);
    expect(exactlyOnceViolation(rows.slice(0, 70), output, false)).toBeNull();
    expect(output.entries.every((e) => e.ip_address === null)).toBe(true);
    expect(output.files).toHaveLength(3);
    expect(summary.rows).toBe(70);
    expect(await countRows(dataSource)).toBe(0);
  });

  it("stops after one batch with once, and after N batches with maxBatches", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 100), { withIpAddress: true });
    const dir = outputDir();
    const once = summaryOf(
      await exportCerts(dataSource, { outputDir: dir, batchSize: 10, sleepMs: 0, once: true }),
    );
    expect(once).toMatchObject({ rows: 10, files: 1, stoppedBy: "once" });
    expect(await countRows(dataSource)).toBe(90);
    const three = summaryOf(
      await exportCerts(dataSource, { outputDir: dir, batchSize: 10, sleepMs: 0, maxBatches: 3 }),
    );
    expect(three).toMatchObject({ rows: 30, files: 3, stoppedBy: "max_batches" });
    expect(await countRows(dataSource)).toBe(60);
    // What was exported so far is the oldest 40 rows, each once.
    expect(exactlyOnceViolation(rows.slice(0, 40), readOutput(dir), true)).toBeNull();
  });

  it("in a dry run writes every row to a scratch directory and deletes nothing", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 90), { withIpAddress: true });
    const dir = outputDir();
    const scratch = mkdtempSync(path.join(tmpdir(), "ct-dry-"));
    const summary = summaryOf(
      await exportCerts(dataSource, {
        outputDir: dir,
        scratchDir: scratch,
        dryRun: true,
        batchSize: 25,
        sleepMs: 0,
      }),
    );
    expect(summary).toMatchObject({ rows: 90, files: 4, dryRun: true, outputDir: scratch });
    expect(exactlyOnceViolation(rows.slice(0, 90), readOutput(scratch), true)).toBeNull();
    expect(await countRows(dataSource)).toBe(90);
    expect(readdirSafe(dir)).toEqual([]);
  });

  it("never overwrites a file: same-second batches draw other suffixes until none is left", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 50), { withIpAddress: true });
    const dir = outputDir();
    let draws = 0;
    const result = await exportCerts(dataSource, {
      outputDir: dir,
      batchSize: 10,
      sleepMs: 0,
      clock: () => new Date(2025, 8, 23, 12, 0, 0),
      // Only three suffixes exist: the fourth batch of the same second finds no free name.
      random: () => (draws++ % 3) / 3,
    });
    expect(!result.ok && result.error.code).toBe("FILE_ERROR");
    expect(!result.ok && result.error.message).toMatch(/no free file name/);
    const output = readOutput(dir);
    expect(output.files).toEqual([
      "upload_failure_20250923_120000_1000.json",
      "upload_failure_20250923_120000_4000.json",
      "upload_failure_20250923_120000_7000.json",
    ]);
    // Files are written two at a time, so a later batch may take a name before an earlier one gets to link
    // it: which three batches got the names varies, but each row is either in one file or still in the table.
    expect(
      exactlyOnceViolation(rowsNotIn(await remainingIds(dataSource), rows.slice(0, 50)), output, true),
    ).toBeNull();
    expect(output.others).toEqual([]);
    expect(await countRows(dataSource)).toBe(20);
  });

  it("a batch whose file cannot be written stays in the table, and no temp file is left", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 96), { withIpAddress: true });
    const dir = outputDir();
    const moved = `${dir}.moved`;
    const result = await exportCerts(dataSource, {
      outputDir: dir,
      batchSize: 32,
      // Not pipelined, so the directory is swapped between two batches, not in the middle of one.
      sleepMs: 1,
      onBatch: (progress) => {
        if (progress.batch !== 1) return;
        // After the first batch the directory turns into a regular file: every write in it now fails with
        // ENOTDIR. (chmod would not do: tests run as root, who writes through any permission bits.)
        renameSync(dir, moved);
        writeFileSync(dir, "not a directory");
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("FILE_ERROR");
    expect(result.error.message).toMatch(/ENOTDIR/);
    expect(result.error.details?.["summary"]).toMatchObject({ rows: 32, files: 1, stoppedBy: "failed" });
    expect(await countRows(dataSource)).toBe(64);
    const firstRun = readOutput(moved);
    expect(firstRun.files).toHaveLength(1);
    expect(firstRun.others).toEqual([]);
    // At most the run's log, moved away with the directory before the run could remove it; every entry in it
    // is settled (no temp file is left), so it claims no row, and the next run removes it.
    expect(firstRun.journal.length).toBeLessThanOrEqual(1);

    // Put the directory back: the next run exports the 64 rows that stayed, none twice.
    rmSync(dir);
    renameSync(moved, dir);
    summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 32, sleepMs: 0 }));
    expect(exactlyOnceViolation(rows.slice(0, 96), readOutput(dir), true)).toBeNull();
    expect(readOutput(dir).journal).toEqual([]);
    expect(await countRows(dataSource)).toBe(0);
  });

  it("a file that cannot be written while the batch before it is still in flight: that batch is deleted, the failed ones stay", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 100), { withIpAddress: true });
    // The first batch's delete takes a second, so it is still in flight when the next files fail.
    await installDeleteDelay(dataSource, kind, "1");
    const dir = outputDir();
    mkdirSync(dir, { recursive: true });
    // Same second, and every draw after the first gives this taken name: only the first batch gets a file.
    writeFileSync(path.join(dir, "upload_failure_20250923_120000_1000.json"), "[]");
    let draws = 0;
    const result = await exportCerts(dataSource, {
      outputDir: dir,
      batchSize: 32,
      sleepMs: 0,
      clock: () => new Date(2025, 8, 23, 12, 0, 0),
      random: () => (draws++ === 0 ? 0.5 : 0),
    });
    expect(!result.ok && result.error.code).toBe("FILE_ERROR");
    expect(!result.ok && result.error.message).toMatch(/no free file name/);
    // The second batch got as far as trying all its 100 names.
    expect(draws).toBeGreaterThan(100);
    expect(!result.ok && result.error.details?.["summary"]).toMatchObject({
      rows: 32,
      files: 1,
      stoppedBy: "failed",
      skippedIds: [],
    });
    expect(await countRows(dataSource)).toBe(68);
    const output = readOutput(dir);
    expect(output.files).toEqual([
      "upload_failure_20250923_120000_1000.json",
      "upload_failure_20250923_120000_5500.json",
    ]);
    expect(output.others).toEqual([]);
    expect(output.journal).toEqual([]);
    expect(exactlyOnceViolation(rows.slice(0, 32), output, true)).toBeNull();

    await removeDeleteDelay(dataSource, kind);
    summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 32, sleepMs: 0 }));
    expect(exactlyOnceViolation(rows.slice(0, 100), readOutput(dir), true)).toBeNull();
    expect(readOutput(dir).journal).toEqual([]);
    expect(await countRows(dataSource)).toBe(0);
  });

  it("an output directory that cannot be created is a FILE_ERROR before any row is touched", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 10), { withIpAddress: true });
    const parent = mkdtempSync(path.join(tmpdir(), "ct-export-"));
    // Its parent is a regular file: mkdir fails with ENOTDIR, for root too.
    writeFileSync(path.join(parent, "pending"), "");
    const result = await exportCerts(dataSource, {
      outputDir: path.join(parent, "pending", "upload_failure"),
    });
    expect(!result.ok && result.error.code).toBe("FILE_ERROR");
    expect(!result.ok && result.error.message).toMatch(/Cannot prepare the output directory .*ENOTDIR/);
    expect(await countRows(dataSource)).toBe(10);
  });

  it("a delete that fails after the file is published leaves no duplicate after the next run", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 100), { withIpAddress: true });
    await installDeleteFault(dataSource, kind, ["40"]);
    const dir = outputDir();
    const first = await exportCerts(dataSource, { outputDir: dir, batchSize: 32, sleepMs: 0 });
    const firstSummary = summaryOf(first);
    // Ids 33..64 share a file with id 40, whose delete the trigger refuses: all 32 stay, reported as skipped.
    expect(firstSummary.skippedIds).toEqual(Array.from({ length: 32 }, (_, i) => String(33 + i)));
    expect(firstSummary.rows).toBe(100);
    expect(await countRows(dataSource)).toBe(32);
    expect(await countRows(dataSource, "ct_export_journal")).toBe(1);
    expect(exactlyOnceViolation(rows.slice(0, 100), readOutput(dir), true)).toBeNull();

    await dataSource.query("DELETE FROM fault_ids");
    const second = summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 32, sleepMs: 0 }));
    expect(second.reconciled).toMatchObject({ publishedBatches: 1, deletedRows: 32, discardedBatches: 0 });
    expect(second.rows).toBe(0);
    const output = readOutput(dir);
    expect(exactlyOnceViolation(rows.slice(0, 100), output, true)).toBeNull();
    expect(output.files).toHaveLength(4);
    expect(output.journal).toEqual([]);
    expect(await countRows(dataSource, "ct_export_journal")).toBe(0);
    expect(output.others).toEqual([]);
    expect(await countRows(dataSource)).toBe(0);
  });

  it("on abort (Ctrl+C) finishes the batch in flight, rolls back the next, and a later run exports the rest once", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 300), { withIpAddress: true });
    const dir = outputDir();
    const abort = new AbortController();
    const stopped = summaryOf(
      await exportCerts(dataSource, {
        outputDir: dir,
        batchSize: 32,
        sleepMs: 0,
        signal: abort.signal,
        onBatch: (progress) => {
          if (progress.batch === 2) abort.abort();
        },
      }),
    );
    // The batches in flight when the signal came are finished: up to four more, if their files were already
    // being written (at batch 32 four files are written at once). The rest stays in the table.
    expect(stopped.stoppedBy).toBe("aborted");
    expect([64, 96, 128, 160, 192]).toContain(stopped.rows);
    expect(await countRows(dataSource)).toBe(300 - stopped.rows);
    const partial = readOutput(dir);
    expect(partial.others).toEqual([]);
    expect(partial.journal).toEqual([]);

    summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 32, sleepMs: 0 }));
    expect(exactlyOnceViolation(rows.slice(0, 300), readOutput(dir), true)).toBeNull();
    expect(await countRows(dataSource)).toBe(0);
  });

  it("aborting during the sleep between batches returns at once", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 64), { withIpAddress: true });
    const abort = new AbortController();
    const started = Date.now();
    const summary = summaryOf(
      await exportCerts(dataSource, {
        outputDir: outputDir(),
        batchSize: 32,
        sleepMs: 60_000,
        signal: abort.signal,
        onBatch: () => setTimeout(() => abort.abort(), 50),
      }),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(summary).toMatchObject({ rows: 32, stoppedBy: "aborted" });
    expect(await countRows(dataSource)).toBe(32);
  });

  it("with follow keeps polling the empty table and exports rows that arrive later, until aborted", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 20), { withIpAddress: true });
    const dir = outputDir();
    const abort = new AbortController();
    let exported = 0;
    const run = exportCerts(dataSource, {
      outputDir: dir,
      batchSize: 16,
      sleepMs: 50,
      follow: true,
      signal: abort.signal,
      onBatch: (progress) => {
        exported = progress.totalRows;
        if (progress.totalRows === 40) abort.abort();
      },
    });
    while (exported < 20) await new Promise((resolve) => setTimeout(resolve, 20));
    // Several polls of the empty table go by before new rows arrive.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await insertCertRows(dataSource, rows.slice(20, 40), { withIpAddress: true });
    const summary = summaryOf(await run);
    expect(summary).toMatchObject({ rows: 40, stoppedBy: "aborted" });
    expect(exactlyOnceViolation(rows.slice(0, 40), readOutput(dir), true)).toBeNull();
    expect(await countRows(dataSource)).toBe(0);
  });

  it("copies ct_entry byte for byte whatever characters it holds (quotes, backslashes, controls, non-ASCII)", async () => {
    const odd = oddEntryRows();
    await seedCertsTable(dataSource, odd, { withIpAddress: true });
    const dir = outputDir();
    summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 100, sleepMs: 0 }));
    const output = readOutput(dir);
    expect(output.files).toHaveLength(1);
    // The original exporter's own serialisation of the same rows is the reference.
    const expected = JSON.stringify(
      odd.map((row) => ({ ...row, ct_index: Number(row.ct_index) })),
      null,
      2,
    );
    expect(readFileSync(path.join(dir, output.files[0] ?? ""), "utf8")).toBe(expected);
  });

  it("refuses a table that lacks a required column, naming it", async () => {
    await dataSource.query("DROP TABLE IF EXISTS certs");
    await dataSource.query("CREATE TABLE certs (id BIGINT PRIMARY KEY, ct_entry TEXT)");
    const result = await exportCerts(dataSource, { outputDir: outputDir() });
    expect(!result.ok && result.error.code).toBe("CONFIGURATION_ERROR");
    expect(!result.ok && result.error.message).toMatch(
      /lacks the column\(s\) ct_log_url, log_name, worker_name, ct_index/,
    );
  });
});

describe("exportCerts on mysql, ct_entry stored as latin1", () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase("mysql");
    dataSource = await openCertsDataSource(db.url);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it("writes the entries as UTF-8, as when the column is utf8mb4", async () => {
    const latin = oddEntryRows().filter((row) =>
      [...row.ct_entry].every((char) => char.charCodeAt(0) <= 0xff),
    );
    expect(latin.some((row) => row.ct_entry.includes("é"))).toBe(true);
    await seedCertsTable(dataSource, latin, { withIpAddress: true });
    await dataSource.query("ALTER TABLE certs MODIFY ct_entry TEXT CHARACTER SET latin1 NOT NULL");
    const dir = outputDir();
    summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 100, sleepMs: 0 }));
    const output = readOutput(dir);
    expect(output.files).toHaveLength(1);
    const expected = JSON.stringify(
      latin.map((row) => ({ ...row, ct_index: Number(row.ct_index) })),
      null,
      2,
    );
    expect(readFileSync(path.join(dir, output.files[0] ?? ""), "utf8")).toBe(expected);
    expect(await countRows(dataSource)).toBe(0);
  });
});

/** Makes DELETE of the given ids fail (a trigger raising an error) until `fault_ids` is emptied. */
async function installDeleteFault(
  dataSource: DataSource,
  kind: "mysql" | "postgres",
  ids: string[],
): Promise<void> {
  await dataSource.query("DROP TABLE IF EXISTS fault_ids");
  await dataSource.query("CREATE TABLE fault_ids (id BIGINT PRIMARY KEY)");
  for (const id of ids) await dataSource.query(`INSERT INTO fault_ids (id) VALUES (${Number(id)})`);
  if (kind === "mysql") {
    await dataSource.query(
      "CREATE TRIGGER certs_delete_fault BEFORE DELETE ON certs FOR EACH ROW BEGIN " +
        "IF EXISTS (SELECT 1 FROM fault_ids WHERE id = OLD.id) THEN " +
        "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected delete failure'; END IF; END",
    );
  } else {
    await dataSource.query(
      "CREATE OR REPLACE FUNCTION certs_delete_fault() RETURNS trigger AS $$ BEGIN " +
        "IF EXISTS (SELECT 1 FROM fault_ids WHERE id = OLD.id) THEN RAISE EXCEPTION 'injected delete failure'; END IF; " +
        "RETURN OLD; END $$ LANGUAGE plpgsql",
    );
    await dataSource.query(
      "CREATE TRIGGER certs_delete_fault BEFORE DELETE ON certs FOR EACH ROW EXECUTE FUNCTION certs_delete_fault()",
    );
  }
}

/** Makes the DELETE of one id take a second (a trigger that sleeps), until `removeDeleteDelay`. */
async function installDeleteDelay(
  dataSource: DataSource,
  kind: "mysql" | "postgres",
  id: string,
): Promise<void> {
  if (kind === "mysql") {
    await dataSource.query(
      "CREATE TRIGGER certs_delete_delay BEFORE DELETE ON certs FOR EACH ROW BEGIN " +
        `IF OLD.id = ${Number(id)} THEN SET @slept = SLEEP(1); END IF; END`,
    );
  } else {
    await dataSource.query(
      "CREATE OR REPLACE FUNCTION certs_delete_delay() RETURNS trigger AS $$ BEGIN " +
        `IF OLD.id = ${Number(id)} THEN PERFORM pg_sleep(1); END IF; RETURN OLD; END $$ LANGUAGE plpgsql`,
    );
    await dataSource.query(
      "CREATE TRIGGER certs_delete_delay BEFORE DELETE ON certs FOR EACH ROW EXECUTE FUNCTION certs_delete_delay()",
    );
  }
}

async function removeDeleteDelay(dataSource: DataSource, kind: "mysql" | "postgres"): Promise<void> {
  await dataSource.query(
    kind === "mysql" ? "DROP TRIGGER certs_delete_delay" : "DROP TRIGGER certs_delete_delay ON certs",
  );
}

/** The ids still in `certs`. */
async function remainingIds(dataSource: DataSource): Promise<Set<string>> {
  const left = (await dataSource.query("SELECT id FROM certs")) as { id: unknown }[];
  return new Set(left.map((row) => String(row.id)));
}

/** The seeded rows (ids 1, 2, ... in seeding order) whose id is not in `ids`. */
function rowsNotIn(ids: Set<string>, seeded: CertRowData[]): CertRowData[] {
  return seeded.filter((_, index) => !ids.has(String(index + 1)));
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name !== ".journal");
  } catch {
    return [];
  }
}

/** Rows whose ct_entry needs every kind of JSON escape, or none, with text outside ASCII. */
function oddEntryRows(): CertRowData[] {
  const entries = [
    '{"leaf_input": "AAAA", "extra_data": "BBBB"}',
    '{"leaf_input":"AA\\/BB","extra_data":"\\u00e9 and a backslash \\\\"}',
    '{\n  "leaf_input": "AAAA",\n\t"extra_data": "BBBB"\r\n}',
    "controls \u0001 \u0008 \u000b \u000c \u001f end",
    "caf\u00e9 \u00ff \u00a0 only Latin-1",
    "\u65e5\u672c \ud83d\ude00 \u2028 \u2029 beyond Latin-1",
    '"""quotes "" only"""',
    "",
    "x",
    "\\",
  ];
  return entries.map((ct_entry, i) => ({
    ct_entry,
    ct_log_url: "https://ct.example.org/log/",
    log_name: "example",
    worker_name: "w\u00f6rker-1",
    ct_index: String(1000 + i),
    ip_address: i % 2 === 0 ? null : "192.0.2.1",
  }));
}
