import { readFile } from "node:fs/promises";
import path from "node:path";
import ExcelJS from "exceljs";
import { Result } from "@certs/result";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRandom } from "../src/testing/index.js";
import { migrateCertificates } from "../src/index.js";
import { exited, spawnMigration } from "./support/child.js";
import {
  count,
  duplicateTechnicians,
  migratedCertificates,
  orphanVehicles,
} from "./support/destination-rows.js";
import { expectedMigration } from "./support/expectation.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

/** Waits `ms`, or until the child prints its first progress line plus `ms` when `afterProgress`. */
function killLater(child: ReturnType<typeof spawnMigration>, ms: number, afterProgress: boolean): void {
  const kill = () => setTimeout(() => child.kill("SIGKILL"), ms);
  if (!afterProgress) {
    kill();
    return;
  }
  child.stdout?.on("data", (chunk: Buffer) => {
    if (chunk.toString().includes("progress")) kill();
  });
}

describe("SIGKILL of a migration at random moments, then a resumed run", () => {
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await prepareScenario({ certificates: 5000, seed: "crash-resume" });
  }, 120_000);
  afterAll(async () => scenario.close());

  it("migrates each legacy certificate exactly once, leaves no orphan vehicle and no duplicate technician", async () => {
    const random = createRandom("kill-points");
    const options = {
      legacyUrl: scenario.legacyUrl,
      destinationUrl: scenario.destinationUrl,
      mappingDir: scenario.mappingDir,
      workers: 10,
      groupSize: 20,
    };
    let kills = 0;
    let midWorkKills = 0;
    let attempts = 0;
    while (kills < 12 && attempts < 40) {
      attempts += 1;
      const child = spawnMigration(options);
      const done = exited(child);
      // Half the kills land during start-up (mapping import, cache preload), half in the middle of the work.
      const afterProgress = random.chance(0.5);
      killLater(child, afterProgress ? random.int(0, 150) : random.int(200, 1500), afterProgress);
      const result = await done;
      if (result.signal === "SIGKILL") {
        kills += 1;
        if (afterProgress) midWorkKills += 1;
      } else expect(result.code, result.stderr).toBe(0);
      // Whatever moment the kill hit, the ledger and the certificates agree.
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(
        await count(
          scenario.destination,
          "SELECT COUNT(*) AS n FROM legacy_migration_ledger WHERE source = 'migrated'",
        ),
      );
      expect(await orphanVehicles(scenario.destination)).toBe(0);
    }
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(midWorkKills).toBeGreaterThanOrEqual(3);
    const partial = await count(
      scenario.destination,
      "SELECT COUNT(*) AS n FROM legacy_migration_ledger WHERE source = 'migrated'",
    );

    const expectation = expectedMigration(scenario.dataset);
    const summary = Result.getOrThrow(
      await migrateCertificates(
        { legacy: scenario.legacy, destination: scenario.destination },
        { mappingFiles: scenario.paths, reportPath: path.join(scenario.mappingDir, "resumed-report.xlsx") },
      ),
    );
    // The resumed run did the rest, and only the rest.
    expect(summary.migrated).toBe(expectation.migrated.size - partial);
    expect(summary.failed).toBe(expectation.failed.size);

    const rows = await migratedCertificates(scenario.destination);
    expect([...rows.keys()].sort((a, b) => a - b)).toEqual(
      [...expectation.migrated.keys()].sort((a, b) => a - b),
    );
    expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(
      expectation.migrated.size,
    );
    expect(
      await count(
        scenario.destination,
        "SELECT COUNT(DISTINCT new_certificate_id) AS n FROM legacy_migration_ledger WHERE source = 'migrated'",
      ),
    ).toBe(expectation.migrated.size);
    expect(await orphanVehicles(scenario.destination)).toBe(0);
    expect(await duplicateTechnicians(scenario.destination)).toBe(0);
    expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM technicians")).toBe(
      scenario.dataset.destination.technicians.length + expectation.createdTechnicians.size,
    );
    expect(
      await count(
        scenario.destination,
        "SELECT COUNT(*) AS n FROM legacy_migration_technician_claims WHERE technician_id IS NULL",
      ),
    ).toBe(0);
    for (const [legacyId, expected] of expectation.migrated) {
      expect(rows.get(legacyId)).toMatchObject({
        status: expected.status,
        calibration_date: expected.calibration_date,
      });
    }
    const exported = JSON.parse(await readFile(scenario.paths.certificates, "utf8")) as Record<
      string,
      unknown
    >;
    expect(Object.keys(exported)).toHaveLength(expectation.migrated.size + expectation.premigrated.size);
    // The mapping file pairs every migrated legacy id with the certificate id the ledger holds.
    const ledger = (await scenario.destination.query(
      "SELECT legacy_certificate_id AS legacy, new_certificate_id AS created FROM legacy_migration_ledger WHERE source = 'migrated'",
    )) as { legacy: string | number; created: string | number }[];
    for (const entry of ledger) {
      const mapped = exported[String(entry.legacy)] as { new_certificate_id?: unknown } | undefined;
      expect(String(mapped?.new_certificate_id)).toBe(String(entry.created));
    }
    // The resumed run's report lists exactly what it migrated and what failed.
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path.join(scenario.mappingDir, "resumed-report.xlsx"));
    expect(workbook.getWorksheet("Migrated")?.rowCount).toBe(summary.migrated + 1);
    expect(workbook.getWorksheet("Unmigrated")?.rowCount).toBe(summary.failed + 1);
  }, 300_000);
});
