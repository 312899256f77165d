import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openDataSource, parseConnectionUrl } from "@certs/db";
import { generateLegacyDataset, setUpMigrationDatabases } from "@certs/legacy-migration/testing";
import { Result } from "@certs/result";
import { createTestDatabase, runTypeScript, spawnTypeScript, type TestDatabase } from "@certs/testdb";
import ExcelJS from "exceljs";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const run = (args: string[], input = "") =>
  runTypeScript(CLI, args, { input, env: { CERTS_LOG_LEVEL: "warn" } });

async function open(url: string): Promise<DataSource> {
  const spec = Result.getOrThrow(parseConnectionUrl(url));
  if (spec.kind === "embedded") throw new Error("test database URL expected");
  return Result.getOrThrow(await openDataSource(spec, { poolSize: 4 }));
}

async function count(dataSource: DataSource, table: string): Promise<number> {
  const rows = (await dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`)) as { n: string | number }[];
  return Number(rows[0]?.n);
}

describe("certs-legacy-migrate", () => {
  let legacyDb: TestDatabase;
  let destinationDb: TestDatabase;
  let legacy: DataSource;
  let destination: DataSource;
  let mappings: string;
  let work: string;

  beforeAll(async () => {
    [legacyDb, destinationDb] = await Promise.all([createTestDatabase("mysql"), createTestDatabase("mysql")]);
    [legacy, destination] = await Promise.all([open(legacyDb.url), open(destinationDb.url)]);
    work = await mkdtemp(path.join(tmpdir(), "legacy-cli-"));
    mappings = path.join(work, "mappings");
    await mkdir(mappings);
    const dataset = generateLegacyDataset({ certificates: 120, seed: "cli", defectShare: 0.05 });
    Result.getOrThrow(
      await setUpMigrationDatabases({ legacy, destination, dataset, mappingDirectory: mappings }),
    );
  });
  afterAll(async () => {
    await Promise.all([legacy.destroy(), destination.destroy()]);
    await Promise.all([legacyDb.drop(), destinationDb.drop()]);
  });

  const common = () => ["--legacy-db", legacyDb.url, "--db", destinationDb.url, "--mappings", mappings];

  it("--help explains the modes with examples", async () => {
    const outcome = await run(["--help"]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/--mode <mode>/);
    expect(outcome.stdout).toMatch(/Examples:\n(\s+\$ certs-legacy-migrate .*\n)+/);
    expect(outcome.stdout).toContain("$ certs-legacy-migrate --demo 2000 --mode auto");
  });

  it("refuses a run without a legacy database, naming the flag, with exit code 2", async () => {
    const outcome = await run(["--mode", "auto"]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(
      "error: CONFIGURATION_ERROR: --legacy-db is required: the legacy database URL (mysql://...), unless --demo N generates one.\n",
    );
  });

  it("refuses bad settings before any work with one plain line naming the flag, and exit code 2", async () => {
    const missing = path.join(work, "no-such-dir", "report.xlsx");
    const cases: [string[], string][] = [
      [["--workers", "x"], "--workers must be a whole number, got 'x'."],
      [["--workers", "0"], "--workers must be at least 1, got '0'."],
      [["--group-size", "20000"], "--group-size must be at most 10000, got '20000'."],
      [["--limit", "-1"], "--limit must not be negative, got '-1'."],
      [
        ["--report", missing],
        `--report cannot be written: the directory ${path.dirname(missing)} does not exist.`,
      ],
      [["--report", work], `--report cannot be written: ${work} is a directory.`],
    ];
    for (const [args, message] of cases) {
      const outcome = await run([...common(), "--mode", "auto", ...args]);
      expect(outcome.code, args.join(" ")).toBe(2);
      expect(outcome.stderr).toBe(`error: CONFIGURATION_ERROR: ${message}\n`);
    }
  });

  it("a malformed mapping file is bad configuration: exit 2, nothing migrated", async () => {
    const broken = path.join(work, "broken-mappings");
    await cp(mappings, broken, { recursive: true });
    await writeFile(path.join(broken, "customer_mappings.json"), "{ not json");
    const before = await count(destination, "certificates");
    const outcome = await run([
      "--legacy-db",
      legacyDb.url,
      "--db",
      destinationDb.url,
      "--mappings",
      broken,
      "--mode",
      "auto",
      "--report",
      path.join(work, "broken.xlsx"),
    ]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(
      /^error: CONFIGURATION_ERROR: The mapping file .*customer_mappings\.json is malformed/,
    );
    expect(await count(destination, "certificates")).toBe(before);
  });

  it("--demo N generates a legacy database beside the destination and migrates it, twice with the same outcome", async () => {
    const demoMappings = path.join(work, "demo-mappings");
    const args = [
      "--demo",
      "80",
      "--db",
      destinationDb.url,
      "--mappings",
      demoMappings,
      "--mode",
      "auto",
      "--json",
    ];
    const first = await run([...args, "--report", path.join(work, "demo1.xlsx")]);
    const second = await run([...args, "--report", path.join(work, "demo2.xlsx")]);
    expect(first.stdout).toMatch(/^Demo: 80 generated legacy certificates in .*_demo_legacy/);
    const summary = (text: string) => {
      const { total, migrated, failed, skipped } = JSON.parse(text.split("\n")[1] ?? "{}") as Record<
        string,
        number
      >;
      return { total, migrated, failed, skipped };
    };
    expect(summary(first.stdout).migrated).toBeGreaterThan(40);
    expect(summary(second.stdout)).toEqual(summary(first.stdout));
    expect([0, 1]).toContain(first.code);
  });

  it("refuses malformed --ids", async () => {
    const outcome = await run([...common(), "--ids", "12,x"]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(
      "error: CONFIGURATION_ERROR: --ids must be a comma-separated list of legacy ids, e.g. 12,40,41, got '12,x'.\n",
    );
  });

  it("interactive mode without a terminal takes one answer per line: migrate, skip, exit", async () => {
    const report = path.join(work, "interactive.xlsx");
    const outcome = await run([...common(), "--mode", "interactive", "--report", report], "m\ns\ne\n");
    expect(outcome.stderr).toBe("");
    expect(outcome.stdout).toMatch(/Certificate 1 of \d+: legacy id \d+/);
    // Skipped counts the operator's skip plus the records an earlier run of the old tool already migrated.
    const before = /so far: 0 migrated, 0 failed, (\d+) skipped/.exec(outcome.stdout);
    expect(before).not.toBeNull();
    expect(outcome.stdout).toContain(`1 migrated, 0 failed, ${Number(before?.[1]) + 1} skipped`);
    expect(await count(destination, "certificates")).toBe(1);
  });

  it("auto mode migrates every migratable certificate once, writes the report, and a rerun adds nothing", async () => {
    const report = path.join(work, "auto.xlsx");
    const first = await run([...common(), "--mode", "auto", "--workers", "4", "--report", report, "--json"]);
    const summary = JSON.parse(first.stdout) as { migrated: number; failed: number; total: number };
    expect(summary.migrated).toBeGreaterThan(0);
    // The generated data carries defects (unknown devices, missing customers): those fail, and exit code says so.
    expect(first.code).toBe(summary.failed === 0 ? 0 : 1);
    const certificates = await count(destination, "certificates");
    expect(certificates).toBe(summary.migrated + 1); // plus the one migrated interactively

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(report);
    expect(workbook.getWorksheet("Migrated")?.rowCount).toBe(summary.migrated + 1);
    expect(workbook.getWorksheet("Unmigrated")?.rowCount).toBe(summary.failed + 1);

    const second = await run([
      ...common(),
      "--mode",
      "auto",
      "--report",
      path.join(work, "again.xlsx"),
      "--json",
    ]);
    const again = JSON.parse(second.stdout) as { migrated: number };
    expect(again.migrated).toBe(0);
    expect(await count(destination, "certificates")).toBe(certificates);
    expect(await count(destination, "vehicles")).toBe(
      certificates - (await countWithoutVehicle(destination)),
    );
  });

  it("--rejects writes one JSON line per refused certificate; --ids beyond the id column is a usage error (exit 2)", async () => {
    const rejects = path.join(work, "rejects.jsonl");
    const outcome = await run([
      ...common(),
      "--mode",
      "auto",
      "--rejects",
      rejects,
      "--report",
      path.join(work, "r.xlsx"),
      "--json",
    ]);
    const summary = JSON.parse(outcome.stdout) as { failed: number };
    expect(summary.failed).toBeGreaterThan(0);
    const lines = (await readFile(rejects, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(summary.failed);
    expect(Object.keys(lines[0] ?? {})).toEqual([
      "legacyId",
      "ecu",
      "serialNumber",
      "step",
      "code",
      "message",
    ]);

    const tooBig = await run([...common(), "--mode", "auto", "--ids", "12,3000000000"]);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(
      /^error: CONFIGURATION_ERROR: ids: 3000000000 cannot be a legacy id: certificate_record.id holds -2147483648 to 2147483647\.\n$/,
    );
  });

  it("interactive mode: the end of the answers exits 130, and the Summary sheet names the operator's skip", async () => {
    const report = path.join(work, "interactive-eof.xlsx");
    const outcome = await run([...common(), "--mode", "interactive", "--report", report], "s\n");
    expect(outcome.code).toBe(130);
    expect(outcome.stdout).toContain("1 skipped by the operator");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(report);
    const items = new Map<string, unknown>();
    workbook
      .getWorksheet("Summary")
      ?.eachRow((row) => items.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(items.get("skipped by the operator")).toBe(1);
    expect(items.get("stopped because")).toBe("cancelled");
  });

  it("a closed stdout pipe (| head) ends the run quietly", async () => {
    const child = spawnTypeScript(
      CLI,
      [...common(), "--mode", "interactive", "--report", path.join(work, "pipe.xlsx")],
      {
        stdio: ["pipe", "pipe", "pipe"],
        env: { CERTS_LOG_LEVEL: "warn" },
      },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.stdout?.once("data", () => child.stdout?.destroy());
    child.stdin?.end("s\n".repeat(500));
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("verify: a clean migration exits 0; a certificate changed by hand exits 1 and is named, in the --output sheet too", async () => {
    const clean = await run(["verify", ...common()]);
    expect(clean.stderr).toBe("");
    expect(clean.stdout).toMatch(/^Clean: \d+ legacy records/);
    expect(clean.code).toBe(0);

    await destination.query("UPDATE certificates SET speed_limit = speed_limit + 1 ORDER BY id LIMIT 1");
    const output = path.join(work, "discrepancies.xlsx");
    const damaged = await run(["verify", ...common(), "--output", output]);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toMatch(/column_differs certificates\.speed_limit: /);
    expect(damaged.stdout).toContain("NOT clean");
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(output);
    expect(workbook.getWorksheet("Discrepancies")?.getRow(2).getCell(5).value).toBe("speed_limit");
  });
});

async function countWithoutVehicle(destination: DataSource): Promise<number> {
  const rows = (await destination.query(
    "SELECT COUNT(*) AS n FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM vehicles v WHERE v.certificate_id = c.id)",
  )) as { n: string | number }[];
  return Number(rows[0]?.n);
}
