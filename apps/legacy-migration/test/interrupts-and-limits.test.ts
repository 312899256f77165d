import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openDataSource, parseConnectionUrl } from "@certs/db";
import { generateLegacyDataset, setUpMigrationDatabases } from "@certs/legacy-migration/testing";
import { Result } from "@certs/result";
import { createTestDatabase, runTypeScript, spawnTypeScript } from "@certs/testdb";
import ExcelJS from "exceljs";
import type { DataSource } from "typeorm";
import { afterAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const ENV = { CERTS_LOG_LEVEL: "warn" };

async function open(url: string): Promise<DataSource> {
  const spec = Result.getOrThrow(parseConnectionUrl(url));
  if (spec.kind === "embedded") throw new Error("test database URL expected");
  return Result.getOrThrow(await openDataSource(spec, { poolSize: 4 }));
}

async function count(dataSource: DataSource, sql: string): Promise<number> {
  const rows = (await dataSource.query(sql)) as { n: string | number }[];
  return Number(rows[0]?.n);
}

/** A legacy MariaDB and a destination of `kind`, seeded with `certificates` generated records. */
async function databases(kind: "mysql" | "postgres", certificates: number, seed: string, defectShare = 0.05) {
  const [legacyDb, destinationDb] = await Promise.all([
    createTestDatabase("mysql"),
    createTestDatabase(kind),
  ]);
  const [legacy, destination] = await Promise.all([open(legacyDb.url), open(destinationDb.url)]);
  const work = await mkdtemp(path.join(tmpdir(), "legacy-cli-signals-"));
  const mappings = path.join(work, "mappings");
  await mkdir(mappings);
  const dataset = generateLegacyDataset({ certificates, seed, defectShare, premigratedShare: 0 });
  Result.getOrThrow(
    await setUpMigrationDatabases({ legacy, destination, dataset, mappingDirectory: mappings }),
  );
  return {
    legacy,
    destination,
    work,
    args: ["--legacy-db", legacyDb.url, "--db", destinationDb.url, "--mappings", mappings],
    async close() {
      await Promise.all([legacy.destroy(), destination.destroy()]);
      await Promise.all([legacyDb.drop(), destinationDb.drop()]);
      await rm(work, { recursive: true, force: true });
    },
  };
}

type Databases = Awaited<ReturnType<typeof databases>>;
const opened: Databases[] = [];
afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
});

async function until(check: () => Promise<boolean> | boolean, what: string, limitMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("certs-legacy-migrate under Ctrl+C, a failing report and --max-rate", () => {
  it("Ctrl+C while the interactive prompt waits for an answer exits 130, keeps what was migrated, and leaves no half-written file", async () => {
    // No defective records: the one answer "m" migrates the first certificate.
    const db = await databases("mysql", 30, "sigint-prompt", 0);
    opened.push(db);
    const reportDir = path.join(db.work, "reports");
    await mkdir(reportDir);
    const report = path.join(reportDir, "interactive.xlsx");
    const child = spawnTypeScript(CLI, [...db.args, "--mode", "interactive", "--report", report], {
      stdio: ["pipe", "pipe", "pipe"],
      env: ENV,
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // One answer, then the prompt of the second certificate waits (stdin stays open) and gets Ctrl+C.
    child.stdin?.write("m\n");
    await until(
      () => /Certificate 2 of \d+/.test(stdout) && stdout.trimEnd().endsWith("[e]xit?"),
      "the second prompt",
    );
    child.kill("SIGINT");
    const code = await closed;

    expect(code).toBe(130);
    // One line saying the interrupt was seen, nothing else (no stack, no error).
    expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(/^SIGINT received/)]);
    expect(stdout).toMatch(/1 migrated, 0 failed/);
    expect(await count(db.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(1);
    expect(await count(db.destination, "SELECT COUNT(*) AS n FROM legacy_migration_ledger")).toBe(1);
    // The report is complete (no temporary file beside it) and says the run was cancelled.
    expect(await readdir(reportDir)).toEqual(["interactive.xlsx"]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(report);
    expect(workbook.getWorksheet("Migrated")?.rowCount).toBe(2);
    const items = new Map<string, unknown>();
    workbook
      .getWorksheet("Summary")
      ?.eachRow((row) => items.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(items.get("stopped because")).toBe("cancelled");
  }, 120_000);

  it("a report that cannot be put in place after the migration committed (PostgreSQL destination) is a FILE_ERROR naming the path, exit 1, with the summary printed and every certificate committed", async () => {
    const db = await databases("postgres", 120, "report-after-commit");
    opened.push(db);
    const reportDir = path.join(db.work, "reports");
    await mkdir(reportDir);
    const report = path.join(reportDir, "report.xlsx");
    // Slow enough to remove the directory while the run is under way, once the report's file is open.
    const running = runTypeScript(
      CLI,
      [...db.args, "--mode", "auto", "--max-rate", "40", "--report", report, "--json"],
      { env: ENV },
    );
    await until(
      async () => (await readdir(reportDir).catch(() => [])).length > 0,
      "the report's temporary file",
    );
    await rm(reportDir, { recursive: true, force: true });
    const outcome = await running;

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^error: FILE_ERROR: .*report\.xlsx/m);
    expect(outcome.stderr).toContain(report);
    expect(outcome.stderr.trim().split("\n")).toHaveLength(1);
    const summary = JSON.parse(outcome.stdout) as { migrated: number; failed: number };
    expect(summary.migrated).toBeGreaterThan(0);
    expect(summary.migrated + summary.failed).toBe(120);
    expect(await count(db.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(summary.migrated);
    expect(
      await count(
        db.destination,
        "SELECT COUNT(*) AS n FROM legacy_migration_ledger WHERE source = 'migrated'",
      ),
    ).toBe(summary.migrated);
    const exported = JSON.parse(
      await readFile(path.join(db.args[5] as string, "certificates_mappings.json"), "utf8"),
    ) as Record<string, unknown>;
    expect(Object.keys(exported)).toHaveLength(summary.migrated);
  }, 120_000);

  it("--max-rate 20 holds 100 certificates to at least 4 s of wall time, and migrates them all", async () => {
    const db = await databases("mysql", 100, "max-rate");
    opened.push(db);
    const started = performance.now();
    const report = path.join(db.work, "max-rate.xlsx");
    const outcome = await runTypeScript(
      CLI,
      [...db.args, "--mode", "auto", "--max-rate", "20", "--report", report, "--json"],
      { env: ENV },
    );
    const wallMs = performance.now() - started;
    const summary = JSON.parse(outcome.stdout) as { migrated: number; failed: number; elapsedMs: number };
    expect(summary.migrated + summary.failed).toBe(100);
    // 100 certificates at 20/s: the last group may go out at 95/20 s at the earliest. A lower bound only:
    // a slow machine makes the run longer, never shorter.
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(4_000);
    expect(wallMs).toBeGreaterThanOrEqual(4_000);
    expect(await count(db.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(summary.migrated);
    expect((await stat(report)).size).toBeGreaterThan(0);
  }, 120_000);
});
