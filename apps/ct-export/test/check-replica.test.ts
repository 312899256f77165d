import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openDataSource, parseConnectionUrl } from "@certs/db";
import { generateCertRows, seedCertsTable } from "@certs/ct-export/testing";
import { runTypeScript, spawnTypeScript, startReplicaPair, type ReplicaPair } from "@certs/testdb";
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

async function count(dataSource: DataSource): Promise<number> {
  const rows = (await dataSource.query("SELECT COUNT(*) AS n FROM certs")) as { n: string | number }[];
  return Number(rows[0]?.n);
}

/** The `msg` of each JSON log line the app wrote on stderr. */
function logMessages(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => String((JSON.parse(line) as { msg?: unknown }).msg));
}

describe("certs-ct-export --check-replica --max-lag", () => {
  let pair: ReplicaPair;
  let primary: DataSource;

  beforeAll(async () => {
    pair = await startReplicaPair();
    primary = await open(pair.primary.url);
  }, 120_000);
  afterAll(async () => {
    await primary?.destroy();
    await pair?.dispose();
  });

  it("--help shows both flags and an example", async () => {
    const outcome = await run(["run", "--help"]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain("--check-replica <url>");
    expect(outcome.stdout).toContain("--max-lag <seconds>");
    expect(outcome.stdout).toMatch(/\$ certs-ct-export .*--check-replica mysql:\/\/.* --max-lag 5/);
  });

  it("refuses one flag without the other, or a bad value, with one line naming the flag, and exit code 2", async () => {
    const replica = pair.replica.url;
    const cases: [string[], Record<string, string>, string][] = [
      [["--check-replica", replica], {}, "--check-replica needs --max-lag SECONDS too."],
      [["--max-lag", "5"], {}, "--max-lag needs --check-replica URL too."],
      [["--check-replica", replica, "--max-lag", "0"], {}, "--max-lag must be at least 1, got '0'."],
      [
        ["--check-replica", replica, "--max-lag", "soon"],
        {},
        "--max-lag must be a whole number, got 'soon'.",
      ],
      [["--check-replica", replica, "--max-lag", "-3"], {}, "--max-lag must be at least 1, got '-3'."],
      [
        ["--check-replica", "postgres://ct:hunter2@127.0.0.1/ct", "--max-lag", "5"],
        {},
        "--check-replica must be a mysql:// or mariadb:// URL: replica lag is read with SHOW REPLICA STATUS.",
      ],
      [
        ["--check-replica", "replica.internal", "--max-lag", "5"],
        {},
        "--check-replica is not a usable database URL: database URL 'replica.internal' has no scheme; use mysql://, mariadb://, postgres://, postgresql:// or embedded:.",
      ],
      [[], { CERTS_MAX_LAG: "5" }, "CERTS_MAX_LAG needs --check-replica URL too."],
    ];
    for (const [args, env, message] of cases) {
      const outcome = await run(["--db", pair.primary.url, ...args], env);
      expect(outcome.code, args.join(" ")).toBe(2);
      expect(outcome.stderr).toBe(`error: CONFIGURATION_ERROR: ${message}\n`);
    }
  });

  it("pauses with one log line while the replica's SQL thread is stopped, and drains after one line when it runs again", async () => {
    const rows = await generateCertRows({ count: 64, seed: "check-replica-cli" });
    await seedCertsTable(primary, rows, { withIpAddress: false });
    await pair.waitForReplicaSync();
    await pair.stopReplicaSql();
    const out = await mkdtemp(path.join(tmpdir(), "ct-replica-cli-"));
    let restarted = false;
    try {
      const child = spawnTypeScript(
        CLI,
        ["--db", pair.primary.url, "-o", out, "--batch-size", "16", "--sleep-ms", "0"],
        {
          stdio: ["ignore", "pipe", "pipe"],
          env: { CERTS_LOG_LEVEL: "info", CERTS_CHECK_REPLICA: pair.replica.url, CERTS_MAX_LAG: "3" },
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
      // Bounded wait for the pause line; the run cannot claim anything before the SQL thread runs.
      for (let i = 0; i < 600 && !logMessages(stderr).some((m) => m.includes("claims pause")); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(logMessages(stderr).filter((m) => m.includes("claims pause"))).toEqual([
        expect.stringMatching(/^replica lag is unknown: .*SQL thread: No.*; claims pause until it is back$/),
      ]);
      expect(await count(primary)).toBe(64);
      expect((await readdir(out)).filter((name) => name.endsWith(".json"))).toEqual([]);

      await pair.startReplicaSql();
      restarted = true;
      expect(await closed).toBe(0);
      expect(stdout).toContain("Exported 64 rows in 4 files");
      const messages = logMessages(stderr);
      expect(messages.filter((m) => m.includes("claims pause"))).toHaveLength(1);
      expect(messages.filter((m) => m.includes("claims resume"))).toHaveLength(1);
      expect(stderr).not.toContain("certs-test-pw");
      expect(await count(primary)).toBe(0);
    } finally {
      if (!restarted) await pair.startReplicaSql();
    }
  });
});
