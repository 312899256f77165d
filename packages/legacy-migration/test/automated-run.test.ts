import { readFile } from "node:fs/promises";
import { Result } from "@certs/result";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateCertificates, type CertificateOutcome, type MigrationSummary } from "../src/index.js";
import {
  count,
  duplicateTechnicians,
  migratedCertificates,
  orphanVehicles,
} from "./support/destination-rows.js";
import { expectedMigration, type Expectation, type ExpectedTechnician } from "./support/expectation.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

/** Runs the whole automated migration and checks every destination row against the independent expectation. */
function automatedRunSuite(kind: "mysql" | "postgres", certificates: number): void {
  describe(`an automated run of ${certificates} generated certificates into ${kind === "mysql" ? "MariaDB" : "PostgreSQL"}`, () => {
    let scenario: Scenario;
    let expectation: Expectation;
    let summary: MigrationSummary;
    const outcomes: CertificateOutcome[] = [];

    beforeAll(async () => {
      scenario = await prepareScenario({ certificates, seed: `automated-${kind}`, destination: kind });
      expectation = expectedMigration(scenario.dataset);
      summary = Result.getOrThrow(
        await migrateCertificates(
          { legacy: scenario.legacy, destination: scenario.destination },
          { mappingFiles: scenario.paths, workers: 10, groupSize: 50, onOutcome: (o) => outcomes.push(o) },
        ),
      );
    }, 240_000);
    afterAll(async () => scenario.close());

    it("counts what the expectation says: migrated, failed, and the old tool's as skipped", () => {
      expect(expectation.migrated.size).toBeGreaterThan(certificates / 2);
      expect(expectation.failed.size).toBeGreaterThan(10);
      expect(summary.migrated).toBe(expectation.migrated.size);
      expect(summary.failed).toBe(expectation.failed.size);
      expect(summary.skipped).toBe(expectation.premigrated.size);
      expect(summary.total).toBe(certificates - expectation.premigrated.size);
      expect(outcomes).toHaveLength(summary.migrated + summary.failed);
      expect(summary.stopReason).toBe("completed");
    });

    it("names the failure with the highest legacy id as the last failed, whichever worker finished last", () => {
      const highest = Math.max(...expectation.failed.keys());
      expect(summary.lastFailed?.legacyId).toBe(highest);
      const outcome = outcomes.find((o) => o.kind === "failed" && o.legacy.legacyId === highest);
      expect(outcome?.kind === "failed" ? outcome.failures.map((f) => f.message).join(", ") : null).toBe(
        summary.lastFailed?.message,
      );
    });

    it("writes every certificate's row exactly as the rules say", async () => {
      const actual = await migratedCertificates(scenario.destination);
      expect([...actual.keys()].sort((a, b) => a - b)).toEqual(
        [...expectation.migrated.keys()].sort((a, b) => a - b),
      );
      const seededTechnicians = new Set(scenario.dataset.destination.technicians.map((t) => String(t["id"])));
      const technicianMatches = (expected: ExpectedTechnician, id: string, key: string): boolean =>
        "id" in expected ? expected.id === id : expected.create === key && !seededTechnicians.has(id);
      for (const [legacyId, expected] of expectation.migrated) {
        const row = actual.get(legacyId);
        if (row === undefined) throw new Error(`legacy certificate ${legacyId} was not migrated`);
        const { installed_by, calibrated_by, ...columns } = expected;
        expect({ legacyId, ...row }).toMatchObject({ legacyId, ...columns, updated_at: expected.created_at });
        expect(
          technicianMatches(installed_by, row.installed_by_id, row.installed_by_key),
          `installer of ${legacyId}`,
        ).toBe(true);
        expect(
          technicianMatches(calibrated_by, row.calibrated_by_id, row.calibrated_by_key),
          `calibrator of ${legacyId}`,
        ).toBe(true);
        if (row.vehicle !== null) expect(row.vehicle_certificate_id).toBe(String(row.id));
      }
    });

    it("records each failure with its first failing step and writes nothing for it", async () => {
      const rows: Array<{ id: string | number; step: string; message: string }> =
        await scenario.destination.query(
          "SELECT legacy_certificate_id AS id, step, message FROM legacy_migration_failures",
        );
      const actual = new Map(rows.map((r) => [Number(r.id), r.step]));
      expect(actual).toEqual(expectation.failed);
      expect(rows.every((r) => !r.message.includes("\n"))).toBe(true);
      const ledgerFailed = await count(
        scenario.destination,
        "SELECT COUNT(*) AS n FROM legacy_migration_ledger l JOIN legacy_migration_failures f ON f.legacy_certificate_id = l.legacy_certificate_id",
      );
      expect(ledgerFailed).toBe(0);
    });

    it("creates each missing technician once, with country 231 and its technician_user row", async () => {
      expect(expectation.createdTechnicians.size).toBeGreaterThan(0);
      const seeded = scenario.dataset.destination.technicians.length;
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM technicians")).toBe(
        seeded + expectation.createdTechnicians.size,
      );
      expect(await duplicateTechnicians(scenario.destination)).toBe(0);
      const created: Array<{
        email: string;
        dealer_id: string;
        country_id: string;
        created_by: string;
        pivot: string | null;
      }> = await scenario.destination.query(
        `SELECT t.email, t.dealer_id, t.country_id, t.created_by, tu.user_id AS pivot FROM technicians t
             LEFT JOIN technician_user tu ON tu.technician_id = t.id WHERE t.created_by IS NOT NULL`,
      );
      expect(new Set(created.map((t) => `${t.email.toLowerCase()}|${t.dealer_id}`))).toEqual(
        expectation.createdTechnicians,
      );
      for (const technician of created) {
        expect(Number(technician.country_id)).toBe(231);
        expect(String(technician.pivot)).toBe(String(technician.created_by));
      }
    });

    it("blocks exactly the devices of deactivated, uncancelled certificates", async () => {
      const rows: Array<{ id: string | number }> = await scenario.destination.query(
        "SELECT id FROM devices WHERE blocked = 1",
      );
      expect(new Set(rows.map((r) => String(r.id)))).toEqual(expectation.blockedDevices);
    });

    it("leaves no orphan vehicle and one vehicle per certificate that has a vehicle type", async () => {
      expect(await orphanVehicles(scenario.destination)).toBe(0);
      const withVehicle = [...expectation.migrated.values()].filter((c) => c.vehicle !== null).length;
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM vehicles")).toBe(withVehicle);
    });

    it("exports the ledger to certificates_mappings.json with the new ids", async () => {
      const exported = JSON.parse(await readFile(scenario.paths.certificates, "utf8")) as Record<
        string,
        { old_certificate_id: number; new_certificate_id: number | null }
      >;
      expect(Object.keys(exported)).toHaveLength(expectation.migrated.size + expectation.premigrated.size);
      const actual = await migratedCertificates(scenario.destination);
      for (const [legacyId, row] of actual)
        expect(exported[String(legacyId)]?.new_certificate_id).toBe(row.id);
      for (const legacyId of expectation.premigrated)
        expect(exported[String(legacyId)]?.new_certificate_id).toBeNull();
    });

    it("a second run finds nothing left to migrate and changes nothing", async () => {
      const before = await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates");
      const again = Result.getOrThrow(
        await migrateCertificates(
          { legacy: scenario.legacy, destination: scenario.destination },
          { mappingFiles: scenario.paths },
        ),
      );
      // The failed ones are attempted again (and fail again); the migrated ones are skipped.
      expect(again.migrated).toBe(0);
      expect(again.failed).toBe(expectation.failed.size);
      expect(again.skipped).toBe(expectation.migrated.size + expectation.premigrated.size);
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(before);
    });
  });
}

automatedRunSuite("mysql", 5000);
automatedRunSuite("postgres", 1200);
