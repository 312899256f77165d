import { writeFile } from "node:fs/promises";
import { Result } from "@certs/result";
import { describe, expect, it } from "vitest";
import {
  migrateCertificates,
  type CertificateOutcome,
  type MigrateCertificatesOptions,
} from "../src/index.js";
import {
  count,
  duplicateTechnicians,
  migratedCertificates,
  orphanVehicles,
} from "./support/destination-rows.js";
import { expectedMigration } from "./support/expectation.js";
import { certificate, handmadeDataset } from "./support/handmade.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

async function run(scenario: Scenario, options: Partial<MigrateCertificatesOptions> = {}) {
  const outcomes: CertificateOutcome[] = [];
  const summary = Result.getOrThrow(
    await migrateCertificates(
      { legacy: scenario.legacy, destination: scenario.destination },
      { mappingFiles: scenario.paths, onOutcome: (o) => outcomes.push(o), ...options },
    ),
  );
  return { summary, outcomes };
}

describe("selecting what to migrate", () => {
  it("limit attempts at most that many, in id order, and the next run continues", async () => {
    const scenario = await prepareScenario({
      dataset: handmadeDataset([1, 2, 3, 4, 5, 6, 7].map((id) => certificate(id))),
    });
    try {
      const first = await run(scenario, { limit: 3, workers: 1 });
      expect(first.summary).toMatchObject({ total: 3, migrated: 3 });
      expect(first.outcomes.map((o) => o.legacy.legacyId)).toEqual([1, 2, 3]);
      const second = await run(scenario);
      expect(second.summary).toMatchObject({ total: 4, migrated: 4, skipped: 3 });
    } finally {
      await scenario.close();
    }
  });

  it("ids selects only those records; unknown ids are ignored", async () => {
    const scenario = await prepareScenario({
      dataset: handmadeDataset([1, 2, 3, 4].map((id) => certificate(id))),
    });
    try {
      const { summary, outcomes } = await run(scenario, { ids: [4, 2, 99, 2] });
      expect(summary).toMatchObject({ total: 2, migrated: 2 });
      expect(outcomes.map((o) => o.legacy.legacyId).sort()).toEqual([2, 4]);
    } finally {
      await scenario.close();
    }
  });

  it("retryFailed takes only the records that failed before, and clears their failure once they migrate", async () => {
    const scenario = await prepareScenario({
      dataset: handmadeDataset([
        certificate(1),
        certificate(2, { customer_id: 502 }),
        certificate(3, { customer_id: 502 }),
      ]),
    });
    try {
      expect((await run(scenario, { ids: [1, 2] })).summary).toMatchObject({ migrated: 1, failed: 1 });
      // The customer migration catches up: 502 now exists and is mapped.
      await scenario.destination.query(
        `INSERT INTO customers (id, email, name, address, contact_number, user_id, country_id)
         VALUES (502, 'c502@example.ae', 'Customer 502', 'Dubai', '04', 101, 231)`,
      );
      await writeFile(scenario.paths.customers, JSON.stringify({ "501": 501, "502": 502 }));
      const retried = await run(scenario, { retryFailed: true });
      // Record 3 never failed (it was never tried), so it is not part of the retry.
      expect(retried.outcomes.map((o) => [o.legacy.legacyId, o.kind])).toEqual([[2, "migrated"]]);
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM legacy_migration_failures")).toBe(
        0,
      );
    } finally {
      await scenario.close();
    }
  });

  it("bad options are CONFIGURATION_ERRORs naming the option, before anything is read", async () => {
    const scenario = await prepareScenario({ dataset: handmadeDataset([certificate(1)]) });
    try {
      for (const [options, name] of [
        [{ workers: 0 }, "workers"],
        [{ groupSize: 1.5 }, "groupSize"],
        [{ limit: -1 }, "limit"],
        [{ ecu: "   " }, "ECU"],
        [{ timeZone: "Mars/Base" }, "Mars/Base"],
        [{ countryId: -3 }, "country"],
      ] as const) {
        const result = await migrateCertificates(
          { legacy: scenario.legacy, destination: scenario.destination },
          { mappingFiles: scenario.paths, ...options },
        );
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(result.error.code).toBe("CONFIGURATION_ERROR");
          expect(result.error.message).toContain(name);
        }
      }
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(0);
    } finally {
      await scenario.close();
    }
  });
});

describe("two runs at once over the same records", () => {
  it("migrate each certificate exactly once between them (the ledger decides)", async () => {
    const scenario = await prepareScenario({ certificates: 1500, seed: "two-runs" });
    try {
      const expectation = expectedMigration(scenario.dataset);
      const [a, b] = await Promise.all([
        run(scenario, { workers: 5, groupSize: 25 }),
        run(scenario, { workers: 5, groupSize: 25 }),
      ]);
      expect(a.summary.migrated + b.summary.migrated).toBe(expectation.migrated.size);
      const rows = await migratedCertificates(scenario.destination);
      expect(rows.size).toBe(expectation.migrated.size);
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(
        expectation.migrated.size,
      );
      expect(await orphanVehicles(scenario.destination)).toBe(0);
      expect(await duplicateTechnicians(scenario.destination)).toBe(0);
    } finally {
      await scenario.close();
    }
  }, 120_000);
});
