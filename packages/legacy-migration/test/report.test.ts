import path from "node:path";
import { Result } from "@certs/result";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateCertificates, type MigrationSummary } from "../src/index.js";
import { count } from "./support/destination-rows.js";
import { certificate, handmadeDataset } from "./support/handmade.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

async function readWorkbook(file: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  return workbook;
}

function sheet(workbook: ExcelJS.Workbook, name: string): ExcelJS.Worksheet {
  const found = workbook.getWorksheet(name);
  if (found === undefined) throw new Error(`no sheet ${name}`);
  return found;
}

function rowValues(worksheet: ExcelJS.Worksheet, index: number): unknown[] {
  return (worksheet.getRow(index).values as unknown[]).slice(1);
}

/** Rows below the header, as objects keyed by the header's names. */
function records(worksheet: ExcelJS.Worksheet): Array<Record<string, unknown>> {
  const header = rowValues(worksheet, 1).map(String);
  const result: Array<Record<string, unknown>> = [];
  for (let i = 2; i <= worksheet.rowCount; i++) {
    const values = rowValues(worksheet, i);
    result.push(Object.fromEntries(header.map((name, j) => [name, values[j] ?? null])));
  }
  return result;
}

describe("the Excel report", () => {
  let scenario: Scenario;
  let summary: MigrationSummary;
  let workbook: ExcelJS.Workbook;
  const reportPath = () => path.join(scenario.mappingDir, "certificate_migration_report.xlsx");

  beforeAll(async () => {
    scenario = await prepareScenario({
      dataset: handmadeDataset([
        certificate(1),
        certificate(2, { ecu: "XYZ1", customer_id: 0, speed: "fast" }),
        certificate(3, { speed: "no digits here", vehicle_type: "" }),
        certificate(4, { date_cancelation: 1_709_280_000 + 86_400 * 10 }),
      ]),
    });
    summary = Result.getOrThrow(
      await migrateCertificates(
        { legacy: scenario.legacy, destination: scenario.destination },
        { mappingFiles: scenario.paths, reportPath: reportPath() },
      ),
    );
    workbook = await readWorkbook(reportPath());
  }, 60_000);
  afterAll(async () => scenario.close());

  it("has the sheets Migrated, Unmigrated and Summary, in that order", () => {
    expect(workbook.worksheets.map((w) => w.name)).toEqual(["Migrated", "Unmigrated", "Summary"]);
  });

  it("headers are bold and frozen, columns sized; the original's columns come first", () => {
    for (const worksheet of workbook.worksheets) {
      expect(worksheet.getRow(1).getCell(1).font?.bold).toBe(true);
      expect(worksheet.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
      expect(worksheet.getColumn(1).width).toBeGreaterThan(8);
    }
    expect(rowValues(sheet(workbook, "Migrated"), 1).slice(0, 17)).toEqual([
      "ecu",
      "old_certificate_id",
      "new_certificate_id",
      "certificate_serial",
      "status",
      "old_calibration_technician_id",
      "new_calibration_technician_id",
      "old_installation_technician_id",
      "new_installation_technician_id",
      "dealer_name",
      "installation_date",
      "calibration_date",
      "expiry_date",
      "cancellation_date",
      "device_id",
      "customer_id",
      "vehicle_id",
    ]);
    expect(rowValues(sheet(workbook, "Unmigrated"), 1).slice(0, 2)).toEqual(["ecu", "errors"]);
  });

  it("lists migrated certificates with real UTC dates, the new ids and the warnings", async () => {
    // Rows come in the order the groups finished; sort them to compare.
    const migrated = records(sheet(workbook, "Migrated")).sort(
      (a, b) => Number(a["old_certificate_id"]) - Number(b["old_certificate_id"]),
    );
    expect(migrated.map((r) => r["old_certificate_id"])).toEqual([1, 3, 4]);
    const first = migrated[0] ?? {};
    const ids: Array<{ id: number | string }> = await scenario.destination.query(
      "SELECT new_certificate_id AS id FROM legacy_migration_ledger WHERE legacy_certificate_id = 1",
    );
    expect(first).toMatchObject({
      ecu: "D1005E000001",
      new_certificate_id: Number(ids[0]?.id),
      certificate_serial: 900_001,
      status: "active",
      dealer_name: "Dealer One Installer",
      device_id: 1,
      customer_id: 501,
      speed_limit: 80,
      cancellation_date: null,
    });
    expect(first["installation_date"]).toBeInstanceOf(Date);
    expect((first["installation_date"] as Date).toISOString()).toBe("2024-03-01T08:00:00.000Z");
    const dateCell = sheet(workbook, "Migrated").getRow(2).getCell(11);
    expect(dateCell.numFmt).toBe("yyyy-mm-dd hh:mm:ss");
    expect((migrated[2]?.["cancellation_date"] as Date).toISOString()).toBe("2024-03-11T08:00:00.000Z");
    expect(migrated[1]?.["warnings"]).toMatch(
      /^vehicle_type is empty.*; speed 'no digits here' has no digits/,
    );
  });

  it("lists unmigrated certificates with legacy id, serial, code, step and all messages on one line", () => {
    const unmigrated = records(sheet(workbook, "Unmigrated"));
    expect(unmigrated).toHaveLength(1);
    expect(unmigrated[0]).toMatchObject({
      ecu: "XYZ1",
      old_certificate_id: 2,
      certificate_serial: 900_002,
      error_code: "MAPPING_ERROR",
      failing_step: "device",
    });
    const errors = String(unmigrated[0]?.["errors"]);
    expect(errors).toMatch(/^Device not found.*, Customer not found/);
    expect(errors).not.toMatch(/\n|at .*\.ts:\d+/);
  });

  it("summarises the run, with database hosts but no passwords", () => {
    const rows = Object.fromEntries(records(sheet(workbook, "Summary")).map((r) => [r["item"], r["value"]]));
    expect(rows).toMatchObject({
      "run id": summary.runId,
      migrated: 3,
      failed: 1,
      "total to migrate": 4,
      "success rate (%)": 75,
      "stopped because": "completed",
      "option workers": "10",
    });
    expect(rows["started (UTC)"]).toBeInstanceOf(Date);
    expect(String(rows["last failed record"])).toMatch(/^2 \(ECU XYZ1\): Device not found/);
    const password = new URL(scenario.destinationUrl).password;
    const host = new URL(scenario.destinationUrl).hostname;
    expect(String(rows["destination database"])).toContain(host);
    const everything = JSON.stringify(rows);
    expect(password.length).toBeGreaterThan(1);
    expect(everything).not.toContain(password);
  });

  it("a run with nothing to do still writes all three sheets", async () => {
    const empty = path.join(scenario.mappingDir, "empty.xlsx");
    const again = Result.getOrThrow(
      await migrateCertificates(
        { legacy: scenario.legacy, destination: scenario.destination },
        { mappingFiles: scenario.paths, reportPath: empty, ids: [1, 3, 4] },
      ),
    );
    expect(again).toMatchObject({ migrated: 0, failed: 0, skipped: 3 });
    const reread = await readWorkbook(empty);
    expect(reread.worksheets.map((w) => w.name)).toEqual(["Migrated", "Unmigrated", "Summary"]);
    expect(sheet(reread, "Migrated").rowCount).toBe(1);
    expect(sheet(reread, "Unmigrated").rowCount).toBe(1);
  });

  it("a dry run writes nothing to the destination but reports what would have happened", async () => {
    const fresh = await prepareScenario({
      dataset: handmadeDataset([
        certificate(1),
        certificate(2, { installer_user_id: 102, installer_technician_id: 0 }),
      ]),
    });
    try {
      const file = path.join(fresh.mappingDir, "dry.xlsx");
      const dry = Result.getOrThrow(
        await migrateCertificates(
          { legacy: fresh.legacy, destination: fresh.destination },
          { mappingFiles: fresh.paths, reportPath: file, dryRun: true },
        ),
      );
      expect(dry).toMatchObject({ migrated: 2, failed: 0, dryRun: true });
      for (const table of [
        "certificates",
        "vehicles",
        "legacy_migration_ledger",
        "legacy_migration_technician_claims",
        "technician_user",
      ]) {
        expect(await count(fresh.destination, `SELECT COUNT(*) AS n FROM ${table}`), table).toBe(0);
      }
      expect(await count(fresh.destination, "SELECT COUNT(*) AS n FROM technicians")).toBe(3);
      const report = await readWorkbook(file);
      expect(records(sheet(report, "Migrated"))).toHaveLength(2);
      const rows = Object.fromEntries(records(sheet(report, "Summary")).map((r) => [r["item"], r["value"]]));
      expect(rows["dry run"]).toBe("yes (nothing was written)");
    } finally {
      await fresh.close();
    }
  });
});
