import type { ManagedServer, ServerKind } from "@certs/testdb/servers";
import type { CaseOutcome, CaseSpec } from "./case-runner.js";

/** One measured figure: a line of the printed table and of bench/REPORT.md. */
export interface BenchRow {
  /** What was run, e.g. `exportCerts, batch 32`. Unique within its benchmark for a given `size`. */
  readonly case: string;
  /** Work items in the case (rows, files, certificates). */
  readonly size: number;
  /** Work per second; 0 when the case failed. */
  readonly throughput: number;
  /** Unit of `throughput`, e.g. `rows/s`. */
  readonly unit: string;
  /** Peak resident memory of the process under test; null when it could not be read. */
  readonly peakRssMb: number | null;
  /** The `case` of the row (same `size`) this one is compared with, measured in the same run; null for a baseline. */
  readonly baseline: string | null;
  /** throughput / the baseline's throughput; null without a baseline. */
  readonly ratio: number | null;
  /** The goal this figure is held to, in words (e.g. `ratio >= 0.85`), and whether this run met it. */
  readonly target?: { readonly description: string; readonly met: boolean };
  /** Anything a reader must know about this figure (timed out, failed, stalled). */
  readonly remark?: string;
}

/** What the harness gives a benchmark. */
export interface BenchContext {
  /** `--size N` when given: the benchmark scales its largest case down (or up) to about N items. */
  readonly size: number | undefined;
  /** `--rounds N` when given: how often to repeat each case (the benchmark reports a median). */
  readonly rounds: number | undefined;
  /** A throwaway server of `kind`, started on first use and shared by the run; the harness disposes it. */
  server(kind: ServerKind): Promise<ManagedServer>;
  /** Runs one case in a child process of its own, so its peak RSS is its own. */
  runCase<T>(spec: CaseSpec): Promise<CaseOutcome<T>>;
  /** A fresh directory, removed when the run ends. */
  tempDir(label: string): string;
  /** Progress for the console (not the report). */
  log(line: string): void;
  /** A paragraph for the report's notes (diagnoses, caveats). */
  note(text: string): void;
}

/** A registered benchmark: `pnpm bench -- --only <name>` runs just this one. */
export interface Benchmark {
  readonly name: string;
  /** One sentence for the report: what is measured against what. */
  readonly description: string;
  /** How it measures, for the report's "how measured" paragraph. */
  readonly method: string;
  run(context: BenchContext): Promise<readonly BenchRow[]>;
}

/** `throughput` divided by that of the row `caseName` at the same `size` in `rows` (so from the same run). */
export function ratioTo(
  rows: readonly BenchRow[],
  caseName: string,
  size: number,
  throughput: number,
): number | null {
  const baseline = rows.find((row) => row.case === caseName && row.size === size);
  if (baseline === undefined || baseline.throughput <= 0) return null;
  return throughput / baseline.throughput;
}
