import type { Benchmark, BenchRow } from "./benchmark.js";
import type { MachineDescription } from "./machine.js";

/** What one benchmark produced in a run. */
export interface BenchmarkRun {
  readonly benchmark: Benchmark;
  readonly rows: readonly BenchRow[];
  readonly notes: readonly string[];
  /** Set when the benchmark threw: its figures are missing. */
  readonly error: string | null;
  readonly elapsedMs: number;
}

/** Everything a report states about one `pnpm bench` run. */
export interface RunRecord {
  readonly startedAt: Date;
  readonly elapsedMs: number;
  readonly command: string;
  readonly machine: MachineDescription;
  readonly code: { readonly commit: string; readonly dirty: readonly string[] };
  readonly servers: readonly { readonly kind: string; readonly version: string }[];
  readonly runs: readonly BenchmarkRun[];
}

const HEADERS = ["benchmark", "case", "size", "throughput", "peak RSS", "baseline", "ratio", "target"];

/** The figures as a plain-text table for the console. */
export function renderConsoleTable(runs: readonly BenchmarkRun[]): string {
  const lines = runs.flatMap((run) => run.rows.map((row) => [run.benchmark.name, ...cells(row)]));
  const widths = HEADERS.map((header, i) =>
    Math.max(header.length, ...lines.map((line) => line[i]?.length ?? 0)),
  );
  const format = (line: readonly string[]) =>
    line
      .map((cell, i) => (i >= 2 && i <= 4 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const failures = runs
    .filter((run) => run.error !== null)
    .map((run) => `${run.benchmark.name}: FAILED: ${run.error}`);
  return [
    format(HEADERS),
    format(widths.map((width) => "-".repeat(width))),
    ...lines.map(format),
    ...failures,
  ]
    .join("\n")
    .trimEnd();
}

/** The markdown report (bench/REPORT.md): machine, date, every figure with its ratio, notes, how measured. */
export function renderMarkdownReport(record: RunRecord): string {
  const { machine } = record;
  const out: string[] = [];
  out.push("# Benchmark report", "");
  out.push(
    `Written by \`${record.command}\` on ${formatDate(record.startedAt)}; the run took ` +
      `${formatDuration(record.elapsedMs)}. Every ratio compares two figures measured in this same run.`,
    "",
  );
  out.push("## Machine", "");
  out.push(`- CPU: ${machine.cpuModel}, ${machine.cores} cores`);
  out.push(`- Memory: ${machine.memoryGb.toFixed(1)} GB`);
  out.push(`- OS: ${machine.kernel}`);
  out.push(`- Node: ${machine.nodeVersion}`);
  const version = (kind: string) =>
    record.servers.find((server) => server.kind === kind)?.version ??
    "not started (no benchmark in this run used it)";
  out.push(`- MariaDB: ${version("mysql")}`);
  out.push(`- PostgreSQL: ${version("postgres")}`);
  out.push(
    `- Load average when the run started: ${machine.loadAverage.map((load) => load.toFixed(2)).join(", ")} ` +
      "(1, 5, 15 min). The machine was shared with other work running at the same time, so figures are noisy; " +
      "ratios are steadier than absolute rates because each pair ran back to back.",
  );
  out.push(
    `- Code: commit ${record.code.commit}` +
      (record.code.dirty.length === 0
        ? ", clean working tree under packages/ and apps/."
        : `, with uncommitted changes (measured as they were) in: ${record.code.dirty.map((file) => `\`${file}\``).join(", ")}.`),
  );
  out.push("");

  for (const run of record.runs) {
    out.push(`## ${run.benchmark.name}`, "");
    out.push(run.benchmark.description, "");
    if (run.error !== null) out.push(`**The benchmark failed:** ${run.error}`, "");
    if (run.rows.length > 0) {
      out.push("| case | size | throughput | peak RSS | baseline | ratio | target | met |");
      out.push("| --- | ---: | ---: | ---: | --- | ---: | --- | --- |");
      for (const row of run.rows) {
        const [name, size, throughput, rss, baseline, ratio] = cells(row);
        const target = row.target?.description ?? "";
        const met = row.target === undefined ? "" : row.target.met ? "yes" : "**no**";
        out.push(`| ${[name, size, throughput, rss, baseline, ratio, target, met].join(" | ")} |`);
      }
      out.push("");
      const remarks = run.rows.filter((row) => row.remark !== undefined);
      for (const row of remarks)
        out.push(`- ${row.case} (${row.size.toLocaleString("en-US")}): ${row.remark}`);
      if (remarks.length > 0) out.push("");
    }
    out.push(`Took ${formatDuration(run.elapsedMs)}.`, "");
    if (run.notes.length > 0) {
      out.push("### Notes", "");
      for (const note of run.notes) out.push(note, "");
    }
    out.push("### How measured", "");
    out.push(run.benchmark.method, "");
  }

  out.push("## How measured (all benchmarks)", "");
  out.push(
    "`pnpm bench` starts throwaway database servers (@certs/testdb's `startServer`, the same MariaDB and " +
      "embedded PostgreSQL the tests use, on 127.0.0.1 with data in a temp directory) and runs each case in a " +
      "child process of its own. Peak RSS is that child's `process.resourceUsage().maxRSS` at exit (the " +
      "harness's own memory never counts; /proc/<pid>/status VmHWM is the fallback for a child stopped " +
      "before it could report). Throughput is work items per second of the case's own timed section. " +
      "A figure is one run unless its benchmark says it is a median of rounds; on a shared machine compare " +
      "ratios, not absolute rates, across reports.",
    "",
  );
  return out.join("\n");
}

function cells(row: BenchRow): string[] {
  return [
    row.case,
    row.size.toLocaleString("en-US"),
    `${Math.round(row.throughput).toLocaleString("en-US")} ${row.unit}`,
    row.peakRssMb === null ? "?" : `${row.peakRssMb.toFixed(0)} MB`,
    row.baseline ?? "",
    row.ratio === null ? "" : row.ratio.toFixed(2),
    row.target === undefined ? "" : `${row.target.met ? "met" : "NOT MET"}: ${row.target.description}`,
  ];
}

function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
