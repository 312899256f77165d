import { Result } from "@certs/result";
import { describe, expect, it } from "vitest";
import { migrateCertificates, verifyMigration, type CertificateOutcome } from "../src/index.js";
import { count } from "./support/destination-rows.js";
import { expectedMigration } from "./support/expectation.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

async function run(scenario: Scenario, ids: number[]) {
  const outcomes: CertificateOutcome[] = [];
  const summary = Result.getOrThrow(
    await migrateCertificates(
      { legacy: scenario.legacy, destination: scenario.destination },
      { mappingFiles: scenario.paths, ids, workers: 5, groupSize: 20, onOutcome: (o) => outcomes.push(o) },
    ),
  );
  return { summary, outcomes };
}

describe("two concurrent runs on overlapping selections", () => {
  it("count what the other run migrated as skipped, never as failed, and leave no failure row for a ledgered certificate", async () => {
    const scenario = await prepareScenario({ certificates: 1200, seed: "overlap", premigratedShare: 0 });
    try {
      const expectation = expectedMigration(scenario.dataset);
      const all = scenario.dataset.legacy.certificates.map((row) => Number(row["id"]));
      const first = all.slice(0, 800);
      const second = all.slice(400);
      const [a, b] = await Promise.all([run(scenario, first), run(scenario, second)]);
      const failedIds = (o: { outcomes: CertificateOutcome[] }) =>
        o.outcomes.filter((x) => x.kind === "failed").map((x) => x.legacy.legacyId);
      // Only certificates the rules refuse fail, in either run: no conflict is a failure.
      for (const id of [...failedIds(a), ...failedIds(b)]) expect(expectation.migrated.has(id)).toBe(false);
      expect(a.summary.migrated + b.summary.migrated).toBe(expectation.migrated.size);
      // What the other run took is skipped (already migrated) in the overlap.
      expect(a.summary.alreadyMigrated + b.summary.alreadyMigrated).toBeGreaterThan(0);
      expect(
        await count(
          scenario.destination,
          `SELECT COUNT(*) AS n FROM legacy_migration_failures f
             JOIN legacy_migration_ledger l ON l.legacy_certificate_id = f.legacy_certificate_id`,
        ),
      ).toBe(0);
      const verified = Result.getOrThrow(
        await verifyMigration(
          { legacy: scenario.legacy, destination: scenario.destination },
          { mappingFiles: scenario.paths },
        ),
      );
      expect(verified.discrepanciesByKind).toEqual({});
    } finally {
      await scenario.close();
    }
  }, 180_000);
});
