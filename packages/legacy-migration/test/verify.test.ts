import { readFile } from "node:fs/promises";
import path from "node:path";
import { Result } from "@certs/result";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { migrateCertificates, verifyMigration, type Discrepancy } from "../src/index.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

async function migrate(scenario: Scenario): Promise<void> {
  Result.getOrThrow(
    await migrateCertificates(
      { legacy: scenario.legacy, destination: scenario.destination },
      { mappingFiles: scenario.paths, workers: 4 },
    ),
  );
}

async function verify(scenario: Scenario, reportPath?: string) {
  const found: Discrepancy[] = [];
  const summary = Result.getOrThrow(
    await verifyMigration(
      { legacy: scenario.legacy, destination: scenario.destination },
      {
        mappingFiles: scenario.paths,
        onDiscrepancy: (d) => found.push(d),
        ...(reportPath === undefined ? {} : { reportPath }),
      },
    ),
  );
  return { summary, found };
}

/** Ledger rows with their certificates: legacy id, certificate id, vehicle id, status, technician. */
async function migratedRows(scenario: Scenario) {
  const rows: Array<Record<string, unknown>> = await scenario.destination.query(
    `SELECT l.legacy_certificate_id AS legacy_id, c.id, c.vehicle_id, c.status, c.installed_by_id
       FROM legacy_migration_ledger l JOIN certificates c ON c.id = l.new_certificate_id
      WHERE l.source = 'migrated' ORDER BY l.legacy_certificate_id`,
  );
  return rows.map((row) => ({
    legacyId: Number(row["legacy_id"]),
    id: Number(row["id"]),
    vehicleId: row["vehicle_id"] === null ? null : String(row["vehicle_id"]),
    status: String(row["status"]),
    installedBy: String(row["installed_by_id"]),
  }));
}

function kinds(found: readonly Discrepancy[]): string[] {
  return found.map((d) => `${d.kind}:${d.column ?? ""}:${d.legacyId ?? d.certificateId ?? ""}`).sort();
}

describe("verifyMigration", () => {
  it("reports a migration that nobody touched as clean, with the counts, and finds each kind of damage by name (MariaDB)", async () => {
    const scenario = await prepareScenario({ certificates: 400, seed: "verify" });
    try {
      await migrate(scenario);
      const clean = await verify(scenario);
      expect(clean.found).toEqual([]);
      expect(clean.summary.clean).toBe(true);
      expect(clean.summary.legacyRecords).toBe(scenario.dataset.legacy.certificates.length);
      expect(clean.summary.recomputed).toBeGreaterThan(250);
      expect(clean.summary.ledgerRows).toBe(clean.summary.recomputed + clean.summary.imported);
      expect(clean.summary.destinationCertificates).toBe(clean.summary.recomputed);
      expect(clean.summary.failures + clean.summary.ledgerRows + clean.summary.pending).toBe(
        clean.summary.legacyRecords,
      );

      const rows = await migratedRows(scenario);
      const withVehicle = rows.filter((r) => r.vehicleId !== null);
      const [dated, statused, unvehicled, technicianed, failed] = [
        withVehicle[0],
        withVehicle[1],
        withVehicle[2],
        withVehicle[3],
        withVehicle[4],
      ] as const;
      if (!dated || !statused || !unvehicled || !technicianed || !failed) throw new Error("too few rows");
      const otherTechnician: Array<{ id: string | number }> = await scenario.destination.query(
        "SELECT id FROM technicians WHERE id <> ? ORDER BY id LIMIT 1",
        [technicianed.installedBy],
      );
      const db = scenario.destination;
      await db.query("UPDATE certificates SET installation_date = '2001-02-03 04:05:06' WHERE id = ?", [
        dated.id,
      ]);
      await db.query("UPDATE certificates SET status = ? WHERE id = ?", [
        statused.status === "blocked" ? "active" : "blocked",
        statused.id,
      ]);
      await db.query("DELETE FROM vehicles WHERE id = ?", [unvehicled.vehicleId]);
      await db.query("UPDATE certificates SET installed_by_id = ? WHERE id = ?", [
        otherTechnician[0]?.id,
        technicianed.id,
      ]);
      await db.query(
        `INSERT INTO certificates (serial_number, status, device_id, installation_date, calibration_date, expiry_date,
           installed_by_id, calibrated_by_id, installed_by_user_id, calibrated_by_user_id, dealer_id, user_id,
           km_reading, speed_limit, country_id, created_at, updated_at)
         SELECT NULL, status, device_id, installation_date, calibration_date, expiry_date, installed_by_id,
           calibrated_by_id, installed_by_user_id, calibrated_by_user_id, dealer_id, user_id, km_reading,
           speed_limit, country_id, created_at, updated_at FROM certificates WHERE id = ?`,
        [dated.id],
      );
      const extra: Array<{ id: number }> = await db.query("SELECT MAX(id) AS id FROM certificates");
      await db.query(
        `INSERT INTO legacy_migration_failures (legacy_certificate_id, run_id, error_code, step, message, failed_at)
         VALUES (?, 'by hand', 'MAPPING_ERROR', 'customer', 'left behind', '2025-01-01 00:00:00')`,
        [failed.legacyId],
      );
      await db.query(
        "INSERT INTO vehicles (brand, model, vehicle_no, vehicle_chassis_no, new_registration) VALUES ('A', 'B', 'C', 'D', 0)",
      );

      const reportPath = path.join(scenario.mappingDir, "discrepancies.xlsx");
      const damaged = await verify(scenario, reportPath);
      expect(damaged.summary.clean).toBe(false);
      const named = kinds(damaged.found);
      expect(named).toEqual(
        expect.arrayContaining([
          `column_differs:installation_date:${dated.legacyId}`,
          `column_differs:status:${statused.legacyId}`,
          `vehicle_missing:id:${unvehicled.legacyId}`,
          `column_differs:installed_by_id:${technicianed.legacyId}`,
          `certificate_without_ledger::${Number(extra[0]?.id)}`,
          `failure_of_migrated::${failed.legacyId}`,
        ]),
      );
      expect(damaged.found.filter((d) => d.kind === "orphan_vehicle")).toHaveLength(1);
      // Nothing else is reported: each damage is one discrepancy.
      expect(damaged.found).toHaveLength(7);
      expect(damaged.summary.discrepancies).toBe(7);

      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(reportPath);
      const sheet = workbook.getWorksheet("Discrepancies");
      expect(sheet?.rowCount).toBe(8);
      expect(sheet?.getRow(1).values).toContain("kind");
      expect(workbook.getWorksheet("Summary")).toBeDefined();
    } finally {
      await scenario.close();
    }
  }, 120_000);

  it("writes JSON for a .json path, and finds a changed date on a PostgreSQL destination", async () => {
    const scenario = await prepareScenario({ certificates: 150, seed: "verify-pg", destination: "postgres" });
    try {
      await migrate(scenario);
      expect((await verify(scenario)).summary.clean).toBe(true);
      const rows = await migratedRows(scenario);
      const target = rows[0];
      if (target === undefined) throw new Error("nothing migrated");
      await scenario.destination.query(
        "UPDATE certificates SET expiry_date = expiry_date + interval '1 day' WHERE id = $1",
        [target.id],
      );
      const reportPath = path.join(scenario.mappingDir, "discrepancies.json");
      const damaged = await verify(scenario, reportPath);
      expect(kinds(damaged.found)).toEqual([`column_differs:expiry_date:${target.legacyId}`]);
      const written = JSON.parse(await readFile(reportPath, "utf8")) as {
        discrepancies: Discrepancy[];
        summary: { clean: boolean };
      };
      expect(written.discrepancies.map((d) => d.column)).toEqual(["expiry_date"]);
      expect(written.summary.clean).toBe(false);
    } finally {
      await scenario.close();
    }
  }, 120_000);
});
