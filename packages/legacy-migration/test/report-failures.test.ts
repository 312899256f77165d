import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { migrateCertificates } from "../src/index.js";
import { count } from "./support/destination-rows.js";
import { prepareScenario } from "./support/scenario.js";

/** Runs `body` with os.tmpdir() pointing at a fresh directory, so the spool directories can be counted. */
async function withPrivateTmp<T>(body: (tmp: string) => Promise<T>): Promise<T> {
  const previous = process.env["TMPDIR"];
  const tmp = await mkdtemp(path.join(tmpdir(), "report-spool-"));
  process.env["TMPDIR"] = tmp;
  try {
    return await body(tmp);
  } finally {
    if (previous === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = previous;
  }
}

describe("a report that cannot be written", () => {
  it("after the migration committed is a FILE_ERROR naming the path, with the summary and the mappings exported, the spool removed (MariaDB, no hang)", async () => {
    const scenario = await prepareScenario({ certificates: 394, seed: "report-fails" });
    try {
      const reportDir = path.join(scenario.mappingDir, "reports");
      await mkdir(reportDir);
      const reportPath = path.join(reportDir, "report.xlsx");
      const result = await withPrivateTmp(async (tmp) => {
        let removed = false;
        const outcome = await migrateCertificates(
          { legacy: scenario.legacy, destination: scenario.destination },
          {
            mappingFiles: scenario.paths,
            reportPath,
            onProgress: () => {
              // The directory goes away while the run is under way: the report cannot be put in place.
              if (!removed) void rm(reportDir, { recursive: true, force: true });
              removed = true;
            },
          },
        );
        expect(await readdir(tmp)).toEqual([]);
        return outcome;
      });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe("FILE_ERROR");
      expect(result.error.message).toContain(reportPath);
      const summary = result.error.details?.summary;
      expect(summary?.migrated).toBeGreaterThan(300);
      expect(summary?.migrated).toBe(
        await count(
          scenario.destination,
          "SELECT COUNT(*) AS n FROM legacy_migration_ledger WHERE source = 'migrated'",
        ),
      );
      const exported = JSON.parse(await readFile(scenario.paths.certificates, "utf8")) as Record<
        string,
        unknown
      >;
      expect(Object.keys(exported).length).toBeGreaterThanOrEqual(summary?.migrated ?? Infinity);
    } finally {
      await scenario.close();
    }
  }, 120_000);

  it("in a missing directory is a FILE_ERROR before anything is written", async () => {
    const scenario = await prepareScenario({ certificates: 20, seed: "report-missing" });
    try {
      const reportPath = path.join(scenario.mappingDir, "no-such-dir", "report.xlsx");
      const result = await withPrivateTmp(async (tmp) => {
        const outcome = await migrateCertificates(
          { legacy: scenario.legacy, destination: scenario.destination },
          {
            mappingFiles: scenario.paths,
            reportPath,
            rejectsPath: path.join(scenario.mappingDir, "r.jsonl"),
          },
        );
        expect(await readdir(tmp)).toEqual([]);
        return outcome;
      });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe("FILE_ERROR");
        expect(result.error.message).toContain(reportPath);
      }
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(0);
      expect(await readdir(scenario.mappingDir)).not.toContain("r.jsonl");
    } finally {
      await scenario.close();
    }
  }, 60_000);
});
