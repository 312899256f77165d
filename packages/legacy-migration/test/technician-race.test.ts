import { Result } from "@certs/result";
import { describe, expect, it } from "vitest";
import { openMigrationSession, type LegacyCertificate, type MigrationSession } from "../src/index.js";
import { count, duplicateTechnicians, migratedCertificates } from "./support/destination-rows.js";
import { certificate, handmadeDataset } from "./support/handmade.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

/** Ten sessions, each with its own caches (as ten processes would have), and all pending records. */
async function tenSessions(
  scenario: Scenario,
): Promise<{ sessions: MigrationSession[]; records: LegacyCertificate[] }> {
  const sessions = await Promise.all(
    Array.from({ length: 10 }, async () =>
      Result.getOrThrow(
        await openMigrationSession(
          { legacy: scenario.legacy, destination: scenario.destination },
          { mappingFiles: scenario.paths },
        ),
      ),
    ),
  );
  const records: LegacyCertificate[] = [];
  for await (const page of sessions[0]?.pendingPages() ?? [])
    records.push(...Result.getOrThrow(page).pending);
  return { sessions, records };
}

/** Ten certificates whose installer (user 102) has no technician yet: each must create or find the same one. */
const TEN_FOR_ONE_TECHNICIAN = Array.from({ length: 10 }, (_, i) =>
  certificate(i + 1, { installer_user_id: 102, installer_technician_id: 0 }),
);

function raceSuite(kind: "mysql" | "postgres"): void {
  describe(`ten workers racing for one new technician (${kind === "mysql" ? "MariaDB" : "PostgreSQL"})`, () => {
    it("create exactly one technician, which all ten certificates use", async () => {
      const scenario = await prepareScenario({
        dataset: handmadeDataset(TEN_FOR_ONE_TECHNICIAN),
        destination: kind,
      });
      try {
        const { sessions, records } = await tenSessions(scenario);
        expect(records).toHaveLength(10);
        const results = await Promise.all(
          records.map((record, i) => (sessions[i] as MigrationSession).migrateGroup([record])),
        );
        const outcomes = results.flatMap((r) => Result.getOrThrow(r).outcomes);
        expect(outcomes.map((o) => o.kind)).toEqual(Array(10).fill("migrated"));
        const created: Array<{ id: string | number }> = await scenario.destination.query(
          "SELECT id FROM technicians WHERE created_by IS NOT NULL",
        );
        expect(created).toHaveLength(1);
        const technicianId = String(created[0]?.id);
        const rows = await migratedCertificates(scenario.destination);
        expect(new Set([...rows.values()].map((r) => r.installed_by_id))).toEqual(new Set([technicianId]));
        expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM technician_user")).toBe(1);
        expect(await duplicateTechnicians(scenario.destination)).toBe(0);
        // Exactly one of the ten transactions created it; the others found it.
        const creators = outcomes.filter(
          (o) => o.kind === "migrated" && o.certificate.createdTechnicianIds.length > 0,
        );
        expect(creators).toHaveLength(1);
      } finally {
        await scenario.close();
      }
    });

    it("when the creating certificates fail and roll back, a later one creates the technician, once", async () => {
      // Certificates 1-5 collide with serials already in the destination, so they fail after claiming.
      const scenario = await prepareScenario({
        dataset: handmadeDataset(TEN_FOR_ONE_TECHNICIAN),
        destination: kind,
      });
      try {
        for (let id = 1; id <= 5; id++) {
          await scenario.destination.query(
            `INSERT INTO certificates (serial_number, status, installation_date, calibration_date, expiry_date, installed_by_id,
               calibrated_by_id, installed_by_user_id, calibrated_by_user_id, dealer_id, user_id, km_reading, speed_limit,
               country_id, created_at, updated_at)
             VALUES (${900_000 + id}, 'active', '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2025-01-01 00:00:00', 7, 7,
               11, 11, 11, 11, 0, 80, 231, '2024-01-01 00:00:00', '2024-01-01 00:00:00')`,
          );
        }
        const { sessions, records } = await tenSessions(scenario);
        const results = await Promise.all(
          records.map((record, i) => (sessions[i] as MigrationSession).migrateGroup([record])),
        );
        const outcomes = results.flatMap((r) => Result.getOrThrow(r).outcomes);
        expect(
          outcomes
            .filter((o) => o.kind === "failed")
            .map((o) => o.legacy.legacyId)
            .sort(),
        ).toEqual([1, 2, 3, 4, 5]);
        const created: Array<{ id: string | number }> = await scenario.destination.query(
          "SELECT id FROM technicians WHERE created_by IS NOT NULL",
        );
        expect(created).toHaveLength(1);
        const rows = await migratedCertificates(scenario.destination);
        expect([...rows.keys()].sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10]);
        expect(new Set([...rows.values()].map((r) => r.installed_by_id))).toEqual(
          new Set([String(created[0]?.id)]),
        );
        expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM technician_user")).toBe(1);
        expect(
          await count(scenario.destination, "SELECT COUNT(*) AS n FROM legacy_migration_technician_claims"),
        ).toBe(1);
      } finally {
        await scenario.close();
      }
    });
  });
}

raceSuite("mysql");
raceSuite("postgres");
