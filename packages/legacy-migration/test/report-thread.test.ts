import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Worker } from "node:worker_threads";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { MigrationReportWriter, type CertificateOutcome, type MigrationSummary } from "../src/index.js";

const day = new Date(Date.UTC(2024, 2, 1, 8, 30));

function migrated(legacyId: number): CertificateOutcome {
  return {
    kind: "migrated",
    legacy: { legacyId, serialNumber: 1000 + legacyId, ecu: `ECU${legacyId}`, legacyCustomerId: 7 },
    dryRun: false,
    warnings: [],
    certificate: {
      newCertificateId: legacyId,
      status: "active",
      deviceId: "3",
      customerId: "4",
      vehicleId: "5",
      dealerId: "6",
      userId: "8",
      dealerName: "Dealer",
      installationDate: day,
      calibrationDate: day,
      expiryDate: day,
      cancellationDate: null,
      speedLimit: 80,
      oldCalibrationTechnicianId: 11,
      newCalibrationTechnicianId: "12",
      oldInstallationTechnicianId: 13,
      newInstallationTechnicianId: "14",
      createdTechnicianIds: [],
    },
  };
}

function failed(legacyId: number): CertificateOutcome {
  return {
    kind: "failed",
    legacy: { legacyId, serialNumber: null, ecu: `ECU${legacyId}`, legacyCustomerId: null },
    failures: [{ step: "device", code: "MAPPING_ERROR", message: "no device" }],
  };
}

const summary: MigrationSummary = {
  runId: "report-thread",
  mode: "automated",
  dryRun: false,
  stopReason: "completed",
  startedAt: day,
  finishedAt: day,
  elapsedMs: 1000,
  total: 0,
  migrated: 0,
  failed: 0,
  skipped: 0,
  alreadyMigrated: 0,
  skippedByOperator: 0,
  successRate: 1,
  ratePerSecond: 0,
  warnings: 0,
  options: {},
  databases: { legacy: "legacy", destination: "destination" },
};

/** A directory for the report and one that stands in for os.tmpdir() (the spool's place), both fresh. */
async function withDirectories(body: (reportDir: string, tmp: string) => Promise<void>): Promise<void> {
  const reportDir = await mkdtemp(path.join(tmpdir(), "report-thread-"));
  const tmp = await mkdtemp(path.join(tmpdir(), "report-thread-tmp-"));
  const previous = process.env["TMPDIR"];
  process.env["TMPDIR"] = tmp;
  try {
    await body(reportDir, tmp);
  } finally {
    if (previous === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = previous;
    await rm(reportDir, { recursive: true, force: true });
    await rm(tmp, { recursive: true, force: true });
  }
}

describe("the report's worker thread", () => {
  it("writes every outcome the calling thread adds, far past its back-pressure limit", async () => {
    await withDirectories(async (reportDir, tmp) => {
      const target = path.join(reportDir, "report.xlsx");
      const writer = await MigrationReportWriter.create(target);
      if (!writer.ok) throw new Error(writer.error.message);
      for (let id = 1; id <= 12_000; id++) await writer.value.add(id % 4 === 0 ? failed(id) : migrated(id));
      const finished = await writer.value.finish(summary);
      expect(finished.ok).toBe(true);
      expect(await readdir(reportDir)).toEqual(["report.xlsx"]);
      expect(await readdir(tmp)).toEqual([]);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(target);
      expect(workbook.getWorksheet("Migrated")?.rowCount).toBe(1 + 9_000);
      expect(workbook.getWorksheet("Unmigrated")?.rowCount).toBe(1 + 3_000);
      expect(workbook.getWorksheet("Migrated")?.getRow(9_001).getCell(2).value).toBe(11_999);
      expect(workbook.getWorksheet("Migrated")?.getRow(2).getCell(11).value).toEqual(day);
    });
  });

  it("that dies mid-run is a FILE_ERROR naming the path from finish: no caller waits for ever, no file is left", async () => {
    await withDirectories(async (reportDir, tmp) => {
      const target = path.join(reportDir, "report.xlsx");
      const writer = await MigrationReportWriter.create(target);
      if (!writer.ok) throw new Error(writer.error.message);
      for (let id = 1; id <= 100; id++) await writer.value.add(migrated(id));
      // More than the back-pressure limit, not awaited: the last adds wait for the thread when it dies.
      const adding = Array.from({ length: 20_000 }, (_, i) => writer.value.add(migrated(101 + i)));
      // The thread is stopped as an out-of-memory or a native crash would stop it.
      const thread = (writer.value as unknown as { thread: { worker: Worker } }).thread.worker;
      await thread.terminate();
      await Promise.all(adding);
      await writer.value.add(failed(50_000));
      const finished = await writer.value.finish(summary);
      expect(finished.ok).toBe(false);
      if (finished.ok) return;
      expect(finished.error.code).toBe("FILE_ERROR");
      expect(finished.error.message).toContain(target);
      expect(finished.error.message).toContain("worker thread");
      expect(await readdir(reportDir)).toEqual([]);
      expect(await readdir(tmp)).toEqual([]);
    });
  });

  it("given up before the run is gone with its temporary files", async () => {
    await withDirectories(async (reportDir, tmp) => {
      const writer = await MigrationReportWriter.create(path.join(reportDir, "report.xlsx"));
      if (!writer.ok) throw new Error(writer.error.message);
      await writer.value.add(migrated(1));
      await writer.value.discard();
      expect(await readdir(reportDir)).toEqual([]);
      expect(await readdir(tmp)).toEqual([]);
    });
  });
});
