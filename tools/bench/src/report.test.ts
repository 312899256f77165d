import { describe, expect, test } from "vitest";
import { ratioTo, type Benchmark, type BenchRow } from "./benchmark.js";
import { renderConsoleTable, renderMarkdownReport, type RunRecord } from "./report.js";

const benchmark: Benchmark = {
  name: "demo",
  description: "A demo job against a demo baseline.",
  method: "Demo cases, one round each.",
  run: () => Promise.resolve([]),
};

const rows: BenchRow[] = [
  {
    case: "baseline",
    size: 1000,
    throughput: 2000,
    unit: "rows/s",
    peakRssMb: 100,
    baseline: null,
    ratio: null,
  },
  {
    case: "job",
    size: 1000,
    throughput: 1500,
    unit: "rows/s",
    peakRssMb: 150.4,
    baseline: "baseline",
    ratio: 0.75,
    target: { description: "≥ 0.8 × baseline", met: false },
    remark: "slow disk",
  },
];

const record: RunRecord = {
  startedAt: new Date("2026-01-02T03:04:05Z"),
  elapsedMs: 125_000,
  command: "pnpm bench --only demo",
  machine: {
    cpuModel: "Test CPU",
    cores: 2,
    memoryGb: 8,
    nodeVersion: "v20.20.2",
    kernel: "Linux 6",
    loadAverage: [1, 2, 3],
  },
  code: { commit: "abc1234", dirty: [] },
  servers: [{ kind: "mysql", version: "10.11.19-MariaDB" }],
  runs: [{ benchmark, rows, notes: ["A note."], error: null, elapsedMs: 120_000 }],
};

describe("ratioTo", () => {
  test("divides by the baseline of the same size", () => {
    const other: BenchRow = { ...rows[0]!, size: 5000, throughput: 4000 };
    expect(ratioTo([other, ...rows], "baseline", 1000, 1500)).toBe(0.75);
    expect(ratioTo([other, ...rows], "baseline", 5000, 1000)).toBe(0.25);
  });

  test("is null without a measured baseline", () => {
    expect(ratioTo(rows, "missing", 1000, 1500)).toBeNull();
    expect(ratioTo([{ ...rows[0]!, throughput: 0 }], "baseline", 1000, 1500)).toBeNull();
  });
});

describe("renderMarkdownReport", () => {
  const report = renderMarkdownReport(record);

  test("states the machine, the servers and the date", () => {
    expect(report).toContain("- CPU: Test CPU, 2 cores");
    expect(report).toContain("- MariaDB: 10.11.19-MariaDB");
    expect(report).toContain("- PostgreSQL: not started");
    expect(report).toContain("2026-01-02 03:04 UTC");
    expect(report).toContain("took 2 min 5 s");
  });

  test("lists every figure with its baseline, ratio and target", () => {
    expect(report).toContain("| baseline | 1,000 | 2,000 rows/s | 100 MB |  |  |  |  |");
    expect(report).toContain(
      "| job | 1,000 | 1,500 rows/s | 150 MB | baseline | 0.75 | ≥ 0.8 × baseline | **no** |",
    );
    expect(report).toContain("- job (1,000): slow disk");
  });

  test("carries the notes and how each benchmark measured", () => {
    expect(report).toContain("A note.");
    expect(report).toContain("Demo cases, one round each.");
    expect(report).toContain("## How measured (all benchmarks)");
  });
});

describe("renderConsoleTable", () => {
  test("prints one line per figure and names a failed benchmark", () => {
    const table = renderConsoleTable([
      ...record.runs,
      { benchmark: { ...benchmark, name: "broken" }, rows: [], notes: [], error: "no server", elapsedMs: 1 },
    ]);
    const lines = table.split("\n");
    expect(lines[0]).toMatch(/^benchmark\s+case\s+size\s+throughput\s+peak RSS\s+baseline\s+ratio\s+target$/);
    expect(lines[3]).toMatch(
      /^demo\s+job\s+1,000\s+1,500 rows\/s\s+150 MB\s+baseline\s+0\.75\s+NOT MET: ≥ 0\.8 × baseline$/,
    );
    expect(lines.at(-1)).toBe("broken: FAILED: no server");
  });
});
