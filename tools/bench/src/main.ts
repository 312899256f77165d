// `pnpm bench`: runs the registered benchmarks against throwaway servers, prints a table, writes bench/REPORT.md.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, type ManagedServer, type ServerKind } from "@certs/testdb/servers";
import type { BenchContext, BenchRow } from "./benchmark.js";
import { runCase } from "./case-runner.js";
import { parseCliOptions, USAGE, type CliOptions } from "./cli-options.js";
import { describeCode, describeMachine } from "./machine.js";
import { BENCHMARKS } from "./registry.js";
import { renderConsoleTable, renderMarkdownReport, type BenchmarkRun } from "./report.js";
import { mergeReports } from "./report-merge.js";
import { serverVersion } from "./server-version.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

let options: CliOptions;
try {
  options = parseCliOptions(process.argv.slice(2), path.join(ROOT, "bench/REPORT.md"));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = options.only.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name));
if (unknown.length > 0) {
  console.error(
    `No benchmark named ${unknown.join(", ")}; registered: ${BENCHMARKS.map((b) => b.name).join(", ")}.`,
  );
  process.exit(2);
}
const selected = BENCHMARKS.filter(
  (benchmark) => options.only.length === 0 || options.only.includes(benchmark.name),
);

const startedAt = new Date();
const started = performance.now();
const machine = describeMachine();
const code = describeCode(ROOT);
const log = (line: string) =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const servers = new Map<ServerKind, Promise<ManagedServer>>();
const versions: { kind: string; version: string }[] = [];
const tempRoot = mkdtempSync(path.join(tmpdir(), "certs-bench-"));
const runs: BenchmarkRun[] = [];

try {
  for (const benchmark of selected) {
    const notes: string[] = [];
    const context: BenchContext = {
      size: options.size,
      rounds: options.rounds,
      server: (kind) => startedServer(kind),
      runCase,
      tempDir: (label) => mkdtempSync(path.join(tempRoot, `${label}-`)),
      log,
      note: (text) => notes.push(text),
    };
    log(`${benchmark.name}: starting`);
    const benchmarkStarted = performance.now();
    let rows: readonly BenchRow[] = [];
    let error: string | null = null;
    try {
      rows = await benchmark.run(context);
    } catch (caught) {
      error = caught instanceof Error ? (caught.stack ?? caught.message) : String(caught);
      log(`${benchmark.name}: FAILED: ${error}`);
    }
    runs.push({ benchmark, rows, notes, error, elapsedMs: performance.now() - benchmarkStarted });
  }
} finally {
  for (const [kind, server] of servers) {
    await server
      .then((handle) => handle.dispose())
      .catch((error: unknown) => log(`could not stop ${kind}: ${String(error)}`));
  }
  rmSync(tempRoot, { recursive: true, force: true });
}

const command = ["pnpm bench", ...process.argv.slice(2).filter((arg) => arg !== "--")].join(" ");
const report = renderMarkdownReport({
  startedAt,
  elapsedMs: performance.now() - started,
  command,
  machine,
  code,
  servers: versions,
  runs,
});
// A partial run replaces only its own benchmarks' sections of an existing report.
const merged =
  options.only.length > 0 && existsSync(options.reportPath)
    ? mergeReports(readFileSync(options.reportPath, "utf8"), report)
    : report;
mkdirSync(path.dirname(options.reportPath), { recursive: true });
writeFileSync(options.reportPath, merged);
console.log(`\n${renderConsoleTable(runs)}\n`);
for (const run of runs)
  for (const note of run.notes) console.log(`${run.benchmark.name}: ${note.split("\n\n<details>")[0]}\n`);
console.log(`Report written to ${path.relative(process.cwd(), options.reportPath) || options.reportPath}.`);
process.exitCode = runs.some((run) => run.error !== null) ? 1 : 0;

/** The run's server of `kind`, started on first use. */
function startedServer(kind: ServerKind): Promise<ManagedServer> {
  let server = servers.get(kind);
  if (server === undefined) {
    log(`starting a throwaway ${kind === "mysql" ? "MariaDB" : "PostgreSQL"} server`);
    server = startServer(kind, log).then(async (handle) => {
      const version = await serverVersion(kind, handle.adminUrl).catch(
        (error: unknown) => `unknown (${String(error)})`,
      );
      versions.push({ kind, version });
      return handle;
    });
    servers.set(kind, server);
  }
  return server;
}
