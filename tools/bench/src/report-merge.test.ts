import { describe, expect, test } from "vitest";
import { mergeReports } from "./report-merge.js";

const report = (command: string, date: string, commit: string, sections: Record<string, string>) =>
  [
    "# Benchmark report",
    "",
    `Written by \`${command}\` on ${date}; the run took 1 min 0 s. Every ratio compares two figures measured in this same run.`,
    "",
    "## Machine",
    "",
    `- Code: commit ${commit}.`,
    "- Load average when the run started: 1.00, 2.00, 3.00 (1, 5, 15 min).",
    "",
    ...Object.entries(sections).flatMap(([name, body]) => [`## ${name}`, "", body, ""]),
    "## How measured (all benchmarks)",
    "",
    `Children, as of ${commit}.`,
    "",
  ].join("\n");

const full = report("pnpm bench", "2026-01-01 10:00 UTC", "aaa1111", {
  "ct-export": "ct figures, first run",
  "icao-sync": "icao figures, first run",
});

describe("mergeReports", () => {
  test("replaces the section of the benchmark the partial run measured and keeps the others, marked", () => {
    const partial = report("pnpm bench --only icao-sync", "2026-01-02 11:00 UTC", "bbb2222", {
      "icao-sync": "icao figures, second run",
    });
    const merged = mergeReports(full, partial);

    expect(merged).toContain("icao figures, second run");
    expect(merged).not.toContain("icao figures, first run");
    expect(merged).toContain(
      "## ct-export\n\n_Kept from an earlier run: `pnpm bench` on 2026-01-01 10:00 UTC, code at commit aaa1111, " +
        "load average 1.00, 2.00, 3.00 when it started; this run did not measure it._\n\nct figures, first run",
    );
    expect(merged.indexOf("## ct-export")).toBeLessThan(merged.indexOf("## icao-sync"));
    expect(merged).toContain("Written by `pnpm bench --only icao-sync` on 2026-01-02 11:00 UTC");
    expect(merged).toContain("kept from earlier runs and marked so");
    expect(merged).toContain("- Code: commit bbb2222.");
    expect(merged).toContain("Children, as of bbb2222.");
    expect(merged.match(/^## /gm)).toHaveLength(4);
  });

  test("adds a benchmark the previous report did not have, before the closing section", () => {
    const partial = report("pnpm bench --only legacy", "2026-01-03 12:00 UTC", "ccc3333", {
      legacy: "legacy figures",
    });
    const merged = mergeReports(full, partial);

    const order = ["## ct-export", "## icao-sync", "## legacy", "## How measured (all benchmarks)"].map((h) =>
      merged.indexOf(h),
    );
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] ?? 0)))).toBe(true);
  });

  test("keeps the original mark when a kept section is kept again", () => {
    const first = mergeReports(
      full,
      report("pnpm bench --only icao-sync", "2026-01-02 11:00 UTC", "bbb2222", { "icao-sync": "second" }),
    );
    const second = mergeReports(
      first,
      report("pnpm bench --only icao-sync", "2026-01-04 09:00 UTC", "ddd4444", { "icao-sync": "third" }),
    );

    expect(second.match(/_Kept from an earlier run/g)).toHaveLength(1);
    expect(second).toContain("`pnpm bench` on 2026-01-01 10:00 UTC, code at commit aaa1111");
    expect(second).toContain("third");
  });
});
