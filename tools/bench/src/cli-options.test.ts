import path from "node:path";
import { describe, expect, test } from "vitest";
import { parseCliOptions } from "./cli-options.js";

describe("parseCliOptions", () => {
  test("ignores the lone -- that pnpm passes through and reads --only, --size and --rounds", () => {
    const options = parseCliOptions(
      [
        "--",
        "--only",
        "ct-export,icao-sync",
        "--only",
        "legacy-migration",
        "--size",
        "20_000",
        "--rounds",
        "1",
      ],
      "/x/bench/REPORT.md",
    );
    expect(options.only).toEqual(["ct-export", "icao-sync", "legacy-migration"]);
    expect(options.size).toBe(20000);
    expect(options.rounds).toBe(1);
    expect(options.reportPath).toBe("/x/bench/REPORT.md");
  });

  test("runs everything at default sizes when given nothing", () => {
    const options = parseCliOptions([], "/x/bench/REPORT.md");
    expect(options).toMatchObject({ only: [], size: undefined, rounds: undefined, help: false });
  });

  test("resolves --report against the working directory", () => {
    const options = parseCliOptions(["--report", "quick.md"], "/x/bench/REPORT.md");
    expect(options.reportPath).toBe(path.resolve("quick.md"));
  });

  test("refuses a size that is not a whole number above zero, naming the option", () => {
    expect(() => parseCliOptions(["--size", "0"], "/r.md")).toThrow(
      '--size must be a whole number above 0, got "0"',
    );
    expect(() => parseCliOptions(["--size", "lots"], "/r.md")).toThrow("--size");
    expect(() => parseCliOptions(["--rounds", "1.5"], "/r.md")).toThrow("--rounds");
  });

  test("refuses an unknown option", () => {
    expect(() => parseCliOptions(["--fast"], "/r.md")).toThrow(/fast/);
  });
});
