import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { redactSecrets } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import ExcelJS from "exceljs";
import type { MigrationSummary } from "../migration/migration-summary.js";
import { oneLine, type CertificateOutcome } from "../migration/outcomes.js";
import { OutputFile } from "./output-file.js";
import {
  addSharedStyleRow,
  addSheet,
  columnStyles,
  DATE_FORMAT,
  zipCatchesUp,
  type ColumnSpec,
} from "./xlsx-sheets.js";

/** The Migrated sheet: the original tool's columns first, in its order, then ours. */
const MIGRATED_COLUMNS: readonly ColumnSpec[] = [
  { header: "ecu", width: 18 },
  { header: "old_certificate_id", width: 12 },
  { header: "new_certificate_id", width: 12 },
  { header: "certificate_serial", width: 12 },
  { header: "status", width: 11 },
  { header: "old_calibration_technician_id", width: 12 },
  { header: "new_calibration_technician_id", width: 12 },
  { header: "old_installation_technician_id", width: 12 },
  { header: "new_installation_technician_id", width: 12 },
  { header: "dealer_name", width: 28 },
  { header: "installation_date", width: 20, date: true },
  { header: "calibration_date", width: 20, date: true },
  { header: "expiry_date", width: 20, date: true },
  { header: "cancellation_date", width: 20, date: true },
  { header: "device_id", width: 10 },
  { header: "customer_id", width: 10 },
  { header: "vehicle_id", width: 10 },
  { header: "legacy_customer_id", width: 10 },
  { header: "speed_limit", width: 8 },
  { header: "warnings", width: 50 },
];

/** The Unmigrated sheet: the original's `ecu, errors`, then the legacy id, serial, code and step. */
const UNMIGRATED_COLUMNS: readonly ColumnSpec[] = [
  { header: "ecu", width: 18 },
  { header: "errors", width: 80 },
  { header: "old_certificate_id", width: 12 },
  { header: "certificate_serial", width: 12 },
  { header: "error_code", width: 18 },
  { header: "failing_step", width: 22 },
];

type Cell = string | number | null;

const MIGRATED_STYLES = columnStyles(MIGRATED_COLUMNS);
const UNMIGRATED_STYLES = columnStyles(UNMIGRATED_COLUMNS);

function toNumber(value: string | null): number | null {
  return value === null ? null : Number(value);
}

/** A Migrated row; dates stay Date objects (real Excel dates), written straight into the sheet. */
function migratedRow(outcome: Extract<CertificateOutcome, { kind: "migrated" }>): Array<Cell | Date> {
  const c = outcome.certificate;
  return [
    outcome.legacy.ecu,
    outcome.legacy.legacyId,
    c.newCertificateId,
    outcome.legacy.serialNumber,
    c.status,
    c.oldCalibrationTechnicianId,
    Number(c.newCalibrationTechnicianId),
    c.oldInstallationTechnicianId,
    Number(c.newInstallationTechnicianId),
    c.dealerName,
    c.installationDate,
    c.calibrationDate,
    c.expiryDate,
    c.cancellationDate,
    toNumber(c.deviceId),
    toNumber(c.customerId),
    toNumber(c.vehicleId),
    outcome.legacy.legacyCustomerId,
    c.speedLimit,
    outcome.warnings.map(oneLine).join("; "),
  ];
}

function unmigratedRow(outcome: Exclude<CertificateOutcome, { kind: "migrated" }>): Cell[] {
  if (outcome.kind === "skipped") {
    return [
      outcome.legacy.ecu,
      "skipped by the operator",
      outcome.legacy.legacyId,
      outcome.legacy.serialNumber,
      "SKIPPED",
      "interactive",
    ];
  }
  const first = outcome.failures[0];
  return [
    outcome.legacy.ecu,
    outcome.failures.map((f) => oneLine(f.message)).join(", "),
    outcome.legacy.legacyId,
    outcome.legacy.serialNumber,
    first?.code ?? "",
    first?.step ?? "",
  ];
}

function fileError(message: string, cause: unknown, file: string): Result<never> {
  return err(appError(ErrorCode.FILE_ERROR, message, { cause, details: { path: file } }));
}

async function copyRows(spool: string, sheet: ExcelJS.Worksheet, abandon: AbortSignal): Promise<void> {
  const lines = createInterface({ input: createReadStream(spool, "utf8"), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === "" || abandon.aborted) continue;
    addSharedStyleRow(sheet, JSON.parse(line) as Cell[], UNMIGRATED_STYLES);
    await zipCatchesUp(sheet, abandon);
  }
}

/** Outcomes waiting for the report before `add` makes its caller wait (bounded memory). */
const QUEUE_HIGH_WATER = 5000;

/**
 * Writes `certificate_migration_report.xlsx` for a run of any size, as the run goes: `add` queues an
 * outcome and returns (it waits only while the queue is full), and the queue is written in the background,
 * migrated certificates straight into the streaming workbook's `Migrated` sheet, the others to a spool file
 * that becomes the `Unmigrated` sheet at the end (exceljs writes one sheet at a time). Sheets `Migrated`,
 * `Unmigrated` and `Summary` are always there; header rows bold and frozen, columns sized, dates real Excel
 * dates in UTC. The file appears atomically (a temporary file beside it, renamed); a write error ends as a
 * FILE_ERROR naming the path from `finish`, never a hang; the spool is removed by `finish` and `discard`.
 */
export class MigrationReportWriter {
  private readonly queue: CertificateOutcome[] = [];
  private head = 0;
  private pumping: Promise<void> | undefined;
  private readonly waiting: Array<() => void> = [];
  private spoolError: unknown;
  private finished = false;

  private constructor(
    private readonly file: OutputFile,
    private readonly spoolDirectory: string,
    private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter,
    private readonly migrated: ExcelJS.Worksheet,
    private readonly unmigrated: WriteStream,
  ) {
    unmigrated.on("error", (error) => {
      this.spoolError ??= error;
    });
  }

  /** The report's path. */
  get target(): string {
    return this.file.target;
  }

  /**
   * Starts a report that will be written to `target`: its directory must take a new file now (a
   * FILE_ERROR naming the path otherwise), so a run never works for nothing.
   */
  static async create(target: string): Promise<Result<MigrationReportWriter>> {
    const file = await OutputFile.open(target);
    if (!file.ok) return file;
    let directory: string;
    try {
      directory = await mkdtemp(path.join(tmpdir(), "certs-migration-report-"));
    } catch (error) {
      await file.value.discard();
      return fileError(`Could not create temporary files for the report ${target}.`, error, target);
    }
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: file.value.stream, useStyles: true });
    const migrated = addSheet(workbook, "Migrated", MIGRATED_COLUMNS);
    const unmigrated = createWriteStream(path.join(directory, "unmigrated.ndjson"));
    return ok(new MigrationReportWriter(file.value, directory, workbook, migrated, unmigrated));
  }

  /** Queues one certificate's outcome (already-migrated skips do not belong in the report). */
  add(outcome: CertificateOutcome): Promise<void> {
    if (this.finished || (outcome.kind === "skipped" && outcome.reason === "already_migrated")) {
      return Promise.resolve();
    }
    this.queue.push(outcome);
    this.pumping ??= this.pump();
    if (this.queue.length - this.head < QUEUE_HIGH_WATER) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private wakeWriters(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }

  private async pump(): Promise<void> {
    // Never finish synchronously: `pumping` must be set before this clears it.
    await Promise.resolve();
    try {
      while (this.head < this.queue.length) {
        const outcome = this.queue[this.head++] as CertificateOutcome;
        if (this.head >= 1024) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        if (this.file.failed) continue; // the FILE_ERROR comes from finish; the run goes on
        if (outcome.kind === "migrated") {
          addSharedStyleRow(this.migrated, migratedRow(outcome), MIGRATED_STYLES);
          await zipCatchesUp(this.migrated, this.file.abandoned);
        } else if (this.spoolError === undefined) {
          if (!this.unmigrated.write(`${JSON.stringify(unmigratedRow(outcome))}\n`)) {
            await once(this.unmigrated, "drain", { signal: this.file.abandoned }).catch(() => undefined);
          }
        }
        if (this.queue.length - this.head < QUEUE_HIGH_WATER / 2) this.wakeWriters();
      }
    } finally {
      this.queue.length = 0;
      this.head = 0;
      this.pumping = undefined;
      this.wakeWriters();
    }
  }

  /** Waits until every queued outcome is written (or dropped after a write error). */
  private async settle(): Promise<void> {
    while (this.pumping !== undefined) await this.pumping;
  }

  /** Writes the rest of the workbook with the run's summary, renames it into place and removes the spool. */
  async finish(summary: MigrationSummary): Promise<Result<void>> {
    this.finished = true;
    try {
      await this.settle();
      this.unmigrated.end();
      if (!this.unmigrated.closed) await once(this.unmigrated, "close").catch(() => undefined);
      if (this.spoolError !== undefined) {
        await this.file.discard();
        return fileError(
          `Could not write the report ${this.target}: its temporary file failed (${String(this.spoolError)}).`,
          this.spoolError,
          this.target,
        );
      }
      return await this.file.close(async () => {
        this.migrated.commit();
        const unmigrated = addSheet(this.workbook, "Unmigrated", UNMIGRATED_COLUMNS);
        await copyRows(path.join(this.spoolDirectory, "unmigrated.ndjson"), unmigrated, this.file.abandoned);
        unmigrated.commit();
        const summarySheet = addSheet(this.workbook, "Summary", [
          { header: "item", width: 34 },
          { header: "value", width: 60 },
        ]);
        for (const [item, value] of summaryRows(summary)) {
          const row = summarySheet.addRow([item, value]);
          if (value instanceof Date) row.getCell(2).numFmt = DATE_FORMAT;
          row.commit();
        }
        summarySheet.commit();
        await this.workbook.commit();
      });
    } finally {
      await rm(this.spoolDirectory, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Gives the report up (a run that never started): no file is left, the spool is removed. */
  async discard(): Promise<void> {
    this.finished = true;
    await this.settle();
    this.unmigrated.destroy();
    await this.file.discard();
    await rm(this.spoolDirectory, { recursive: true, force: true }).catch(() => undefined);
  }
}

function summaryRows(summary: MigrationSummary): Array<[string, string | number | Date]> {
  const rows: Array<[string, string | number | Date]> = [
    ["run id", summary.runId],
    ["mode", summary.mode],
    ["dry run", summary.dryRun ? "yes (nothing was written)" : "no"],
    ["stopped because", summary.stopReason],
    ["started (UTC)", summary.startedAt],
    ["finished (UTC)", summary.finishedAt],
    ["elapsed (s)", Math.round(summary.elapsedMs) / 1000],
    ["total to migrate", summary.total],
    ["migrated", summary.migrated],
    ["failed", summary.failed],
    ["skipped (already migrated)", summary.alreadyMigrated],
    ["skipped by the operator", summary.skippedByOperator],
    ["success rate (%)", Math.round(summary.successRate * 10_000) / 100],
    ["rate (certificates/s)", Math.round(summary.ratePerSecond * 10) / 10],
    ["warnings", summary.warnings],
    [
      "last failed record",
      summary.lastFailed === undefined
        ? "none"
        : `${summary.lastFailed.legacyId} (ECU ${summary.lastFailed.ecu}): ${oneLine(summary.lastFailed.message)}`,
    ],
    // describeDatabases never includes passwords; redacting again guards against one inside a URL-like host.
    ["legacy database", redactSecrets(summary.databases.legacy)],
    ["destination database", redactSecrets(summary.databases.destination)],
  ];
  for (const [name, value] of Object.entries(summary.options)) rows.push([`option ${name}`, value]);
  return rows;
}
