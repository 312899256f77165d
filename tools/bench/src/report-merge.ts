// `pnpm bench -- --only NAME` replaces NAME's section of bench/REPORT.md and keeps the others.

/** Sections of the report that describe the run itself rather than one benchmark. */
const RUN_SECTIONS = new Set(["Machine", "How measured (all benchmarks)"]);
const KEPT_MARK = "_Kept from an earlier run:";

interface Section {
  readonly title: string;
  /** The section's text from its `## ` heading line on. */
  readonly text: string;
}

function split(report: string): { preamble: string; sections: Section[] } {
  const parts = report.split(/^(?=## )/m);
  const preamble = parts[0]?.startsWith("## ") === true ? "" : (parts.shift() ?? "");
  return {
    preamble,
    sections: parts.map((text) => ({ title: (text.split("\n")[0] ?? "").slice(3).trim(), text })),
  };
}

function provenance(previous: string): string {
  const written = /Written by `([^`]*)` on ([^;]*);/.exec(previous);
  const commit = /^- Code: commit (\w+)/m.exec(previous);
  const load = /^- Load average when the run started: ([\d.]+, [\d.]+, [\d.]+)/m.exec(previous);
  return (
    `${KEPT_MARK} \`${written?.[1] ?? "pnpm bench"}\` on ${written?.[2] ?? "an unknown date"}` +
    (commit === null ? "" : `, code at commit ${commit[1]}`) +
    (load === null ? "" : `, load average ${load[1]} when it started`) +
    "; this run did not measure it._"
  );
}

/**
 * The report of a partial run (`--only`) merged into the previous report: the sections of the benchmarks
 * this run measured are replaced (or added), the other benchmarks' sections are kept and marked with the
 * run that measured them, and the run's own sections (title, machine, how measured) are this run's.
 */
export function mergeReports(previous: string, current: string): string {
  const old = split(previous);
  const fresh = split(current);
  const freshBenchmarks = fresh.sections.filter((section) => !RUN_SECTIONS.has(section.title));
  const mark = provenance(previous);
  const kept = old.sections
    .filter((section) => !RUN_SECTIONS.has(section.title))
    .map((section) => {
      const replacement = freshBenchmarks.find((candidate) => candidate.title === section.title);
      if (replacement !== undefined) return replacement.text;
      if (section.text.includes(`\n\n${KEPT_MARK}`)) return section.text;
      const [heading, ...rest] = section.text.split("\n");
      return [heading, "", mark, ...rest].join("\n");
    });
  const added = freshBenchmarks
    .filter((section) => !old.sections.some((candidate) => candidate.title === section.title))
    .map((section) => section.text);
  const runSection = (title: string) => fresh.sections.find((section) => section.title === title)?.text ?? "";
  const keptAny = old.sections.some(
    (section) =>
      !RUN_SECTIONS.has(section.title) &&
      !freshBenchmarks.some((candidate) => candidate.title === section.title),
  );
  const preamble = keptAny
    ? fresh.preamble.replace(
        /(Every ratio compares two figures measured in this same run\.)/,
        "$1 Sections of benchmarks this run did not measure are kept from earlier runs and marked so.",
      )
    : fresh.preamble;
  return [preamble, runSection("Machine"), ...kept, ...added, runSection("How measured (all benchmarks)")]
    .join("")
    .replace(/\n*$/, "\n");
}
