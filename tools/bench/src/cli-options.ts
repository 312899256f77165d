import path from "node:path";
import { parseArgs } from "node:util";

/** What `pnpm bench` was asked to do. */
export interface CliOptions {
  /** Names of the benchmarks to run; empty means all. */
  readonly only: readonly string[];
  /** Scale of the largest case (e.g. rows); undefined means each benchmark's default. */
  readonly size: number | undefined;
  /** Repeats of each case; undefined means each benchmark's default. */
  readonly rounds: number | undefined;
  /** Where the markdown report goes. */
  readonly reportPath: string;
  readonly help: boolean;
}

/** The usage text for `--help`. */
export const USAGE = `Usage: pnpm bench [-- options]

  --only NAME   run only this benchmark (repeatable, or comma-separated)
  --size N      scale the largest case to about N items, for a quick run
  --rounds N    repeat each case N times (medians are reported)
  --report PATH write the report here instead of bench/REPORT.md
  --help        show this text`;

/**
 * Reads the command line (a lone "--" that pnpm passes through is ignored). Throws with a message naming
 * the bad option.
 */
export function parseCliOptions(args: readonly string[], defaultReportPath: string): CliOptions {
  const { values } = parseArgs({
    args: args.filter((arg) => arg !== "--"),
    options: {
      only: { type: "string", multiple: true },
      size: { type: "string" },
      rounds: { type: "string" },
      report: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  const size = wholeNumber("--size", values.size);
  const rounds = wholeNumber("--rounds", values.rounds);
  return {
    only: (values.only ?? [])
      .flatMap((name) => name.split(","))
      .map((name) => name.trim())
      .filter(Boolean),
    size,
    rounds,
    reportPath: path.resolve(values.report ?? defaultReportPath),
    help: values.help === true,
  };
}

function wholeNumber(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text.replace(/[_,]/g, ""));
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${option} must be a whole number above 0, got "${text}".`);
  }
  return value;
}
