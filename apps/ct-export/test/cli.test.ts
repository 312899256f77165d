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
  runTypeScript(CLI, args, { env: { CERTS_LOG_LEVEL: "warn", ...env } });

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

  it("--help lists the commands, examples and the options of the default command", async () => {
    const outcome = await run(["--help"]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain("verify");
    expect(outcome.stdout).toMatch(/Examples:\n\s+\$ certs-ct-export --db mysql:\/\//);
    for (const option of [
      "--db <url>",
      "--data-dir <dir>",
      "--batch-size <n>",
      "--once",
      "--json",
      "--log-level",
      "--retry-for <seconds>",
      "--max-rows-per-second <n>",
    ]) {
      expect(outcome.stdout).toContain(option);
    }
    const runHelp = await run(["run", "--help"]);
    expect(runHelp.code).toBe(0);
    expect(runHelp.stdout).toMatch(/Examples:\n\s+\$ certs-ct-export --db mysql:\/\//);
  });

  it("refuses bad settings with one line in plain words naming the flag, and exit code 2", async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [["--batch-size", "x"], {}, "--batch-size must be a whole number, got 'x'."],
      [["--batch-size", "0"], {}, "--batch-size must be at least 1, got '0'."],
      [["--sleep-ms", "-5"], {}, "--sleep-ms must not be negative, got '-5'."],
      [["--max-batches", "2.5"], {}, "--max-batches must be a whole number, got '2.5'."],
      [
        ["--table", "certs; DROP"],
        {},
        "--table must be a plain table name (letters, digits, _), got 'certs; DROP'.",
      ],
      [[], { CERTS_BATCH_SIZE: "many" }, "CERTS_BATCH_SIZE must be a whole number, got 'many'."],
      [
        [],
        { CERTS_LOG_LEVEL: "loud" },
        "CERTS_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got 'loud'.",
      ],
    ];
    for (const [args, env, message] of cases) {
      const outcome = await run(["--db", db.url, ...args], env);
      expect(outcome.code, args.join(" ")).toBe(2);
      expect(outcome.stderr).toBe(`error: CONFIGURATION_ERROR: ${message}\n`);
    }
  });

  it("names the environment variable when the bad value came from there", async () => {
    const outcome = await run([], { CERTS_DB_URL: "mongodb://localhost/x" });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(
      /^error: CONFIGURATION_ERROR: CERTS_DB_URL is not a usable database URL: .*mongodb/,
    );
  });

  it("a usage error from the command line is one line and exit code 2", async () => {
    const outcome = await run(["--bogus"]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe("error: unknown option '--bogus' (see certs-ct-export --help)\n");
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
    // The 100 rows reuse 64 distinct generated entries (as one certificate is logged in several logs).
    expect(verified.stdout).toMatch(
      /^4 files \(0 unreadable, 0 with bad entries\), 100 entries \(100 good, 0 bad\), 36 duplicate entries\n/,
    );
  });

  it("a row with a NULL ct_index is skipped and named by id, the others exported, exit 1", async () => {
    await dataSource.query("DROP TABLE IF EXISTS certs");
    await seedCertsTable(dataSource, await generateCertRows({ count: 3, seed: 13 }), {
      withIpAddress: false,
    });
    await dataSource.query("ALTER TABLE certs MODIFY ct_index BIGINT NULL");
    const [first] = (await dataSource.query("SELECT MIN(id) AS id FROM certs")) as { id: string | number }[];
    await dataSource.query("UPDATE certs SET ct_index = NULL WHERE id = ?", [first?.id]);
    const out = await mkdtemp(path.join(tmpdir(), "ct-null-"));
    const outcome = await run(["--db", db.url, "-o", out, "--batch-size", "10", "--sleep-ms", "0"]);
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stdout).toContain(
      `left in the table (ct_index is NULL or not an exact integer): ids ${String(first?.id)}`,
    );
    expect(outcome.stdout).toMatch(/Exported 2 rows .*\n.*stopped: drained/);
    expect(await pendingRows(out)).toHaveLength(2);
    expect(await count(dataSource)).toBe(1);
    await dataSource.query("DROP TABLE certs");
  });

  it("reconcile settles a directory's journal without exporting (nothing to do in a fresh one)", async () => {
    await seedCertsTable(dataSource, await generateCertRows({ count: 3, seed: 14 }), {
      withIpAddress: false,
    });
    const out = await mkdtemp(path.join(tmpdir(), "ct-reconcile-"));
    const outcome = await run(["reconcile", "--db", db.url, "-o", out]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(
      /^Reconciled .*: 0 published batches settled \(0 rows deleted\), 0 unpublished/,
    );
    expect(await count(dataSource)).toBe(3);
    await dataSource.query("DROP TABLE certs");
  });

  it("verify exits 2 for a directory that cannot be read", async () => {
    const outcome = await run(["verify", path.join(tmpdir(), "no-such-pending-dir")]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/^error: CONFIGURATION_ERROR: verify: Cannot list the pending directory /);
  });

  it("verify exits 1 and names a damaged file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ct-bad-"));
    await writeFile(path.join(dir, "upload_failure_20250101_000000_1234.json"), '[{"ct_entry": "{not json');
    const outcome = await run(["verify", dir]);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toContain(
      `bad: ${path.join(dir, "upload_failure_20250101_000000_1234.json")}: file: `,
    );
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
