import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openDataSource, parseConnectionUrl } from "@certs/db";
import { generateCertRows, seedCertsTable } from "@certs/ct-export/testing";
import { createTestDatabase, runTypeScript, spawnTypeScript, type TestDatabase } from "@certs/testdb";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  runTypeScript(CLI, args, { env: { ...env, CERTS_LOG_LEVEL: "warn" } });

async function open(url: string): Promise<DataSource> {
  const spec = parseConnectionUrl(url);
  if (!spec.ok || spec.value.kind === "embedded") throw new Error("test database URL expected");
  const dataSource = await openDataSource(spec.value);
  if (!dataSource.ok) throw new Error(dataSource.error.message);
  return dataSource.value;
}

async function pendingRows(dir: string): Promise<{ ct_entry: string; ct_index: number }[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
  const files = await Promise.all(names.map((name) => readFile(path.join(dir, name), "utf8")));
  return files.flatMap((text) => JSON.parse(text) as { ct_entry: string; ct_index: number }[]);
}

async function count(dataSource: DataSource): Promise<number> {
  const rows = (await dataSource.query("SELECT COUNT(*) AS n FROM certs")) as { n: string | number }[];
  return Number(rows[0]?.n);
}

describe("certs-ct-export", () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase("mysql");
    dataSource = await open(db.url);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it("--help lists the commands with examples", async () => {
    const outcome = await run(["--help"]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain("verify");
    const runHelp = await run(["run", "--help"]);
    expect(runHelp.code).toBe(0);
    expect(runHelp.stdout).toMatch(/Examples:\n\s+\$ certs-ct-export --db mysql:\/\//);
  });

  it("refuses a bad setting with one line naming the flag, and exit code 2", async () => {
    const outcome = await run(["--db", db.url, "--batch-size", "0"]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim().split("\n")).toHaveLength(1);
    expect(outcome.stderr).toMatch(/^error: CONFIGURATION_ERROR: --batch-size: /);
  });

  it("names the environment variable when the bad value came from there", async () => {
    const outcome = await run([], { CERTS_DB_URL: "mongodb://localhost/x" });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/CONFIGURATION_ERROR.*mongodb/);
  });

  it("says which database refused a wrong password without printing it", async () => {
    const url = new URL(db.url);
    url.password = "not-the-password-42";
    const outcome = await run(["--db", url.toString(), "-o", await mkdtemp(path.join(tmpdir(), "ct-out-"))]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^error: DATABASE_ERROR: /);
    expect(outcome.stderr).not.toContain("not-the-password-42");
  });

  it("drains the table into pending files that verify reads back", async () => {
    const rows = await generateCertRows({ count: 100, seed: 11 });
    await seedCertsTable(dataSource, rows, { withIpAddress: false });
    const out = await mkdtemp(path.join(tmpdir(), "ct-out-"));

    const outcome = await run(["--db", db.url, "-o", out, "--batch-size", "32", "--sleep-ms", "1"]);
    expect(outcome.stderr).toBe("");
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain("Exported 100 rows in 4 files");
    expect(await count(dataSource)).toBe(0);
    const written = await pendingRows(out);
    // File names carry a random suffix, so compare contents sorted rather than in file order.
    // (ct_index is compared by the library's own tests: JSON.parse here would round indices above 2^53.)
    const same =
      written
        .map((row) => row.ct_entry)
        .sort()
        .join("\n") ===
      rows
        .map((row) => row.ct_entry)
        .sort()
        .join("\n");
    expect(same).toBe(true);
    expect(written).toHaveLength(100);

    const verified = await run(["verify", out]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^4 files, 100 entries, 100 good, 0 bad/);
  });

  it("verify exits 1 and names a damaged file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ct-bad-"));
    await writeFile(path.join(dir, "upload_failure_20250101_000000_1234.json"), '[{"ct_entry": "{not json');
    const outcome = await run(["verify", dir]);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(/bad: upload_failure_20250101_000000_1234\.json/);
  });

  it("Ctrl+C stops after the batch in flight: exit 130, every row in a file or in the table, once", async () => {
    const rows = await generateCertRows({ count: 300, seed: 12 });
    await dataSource.query("DROP TABLE IF EXISTS certs");
    await seedCertsTable(dataSource, rows, { withIpAddress: true });
    const out = await mkdtemp(path.join(tmpdir(), "ct-int-"));
    const child = spawnTypeScript(
      CLI,
      ["--db", db.url, "-o", out, "--batch-size", "10", "--sleep-ms", "200", "--log-level", "warn"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    // Interrupt once at least one file is out.
    for (let i = 0; i < 300 && (await readdir(out)).filter((n) => n.endsWith(".json")).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(130);
    expect(stdout).toMatch(/stopped: aborted/);
    const written = await pendingRows(out);
    const left = await count(dataSource);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length + left).toBe(300);
    expect(new Set(written.map((row) => row.ct_entry + row.ct_index)).size).toBe(written.length);
  });
});
