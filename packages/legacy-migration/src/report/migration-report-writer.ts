import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rename, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { EventEmitter, once } from "node:events";
import { redactSecrets } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import ExcelJS from "exceljs";
import type { MigrationSummary } from "../migration/migration-summary.js";
import { oneLine, type CertificateOutcome } from "../migration/outcomes.js";

const DATE_FORMAT = "yyyy-mm-dd hh:mm:ss";

interface ColumnSpec {
  readonly header: string;
  readonly width: number;
  readonly date?: boolean;
}

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

function toNumber(value: string | null): number | null {
  return value === null ? null : Number(value);
}

function migratedRow(outcome: Extract<CertificateOutcome, { kind: "migrated" }>): Cell[] {
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
    c.installationDate.toISOString(),
    c.calibrationDate.toISOString(),
    c.expiryDate.toISOString(),
    c.cancellationDate === null ? null : c.cancellationDate.toISOString(),
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

async function writeLine(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, "drain");
}

async function closeStream(stream: WriteStream): Promise<void> {
  if (stream.closed) return;
  stream.end();
  await once(stream, "close");
}

function addSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  columns: readonly ColumnSpec[],
) {
  const sheet = workbook.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = columns.map((column, index) => ({
    header: column.header,
    key: String(index),
    width: column.width,
    ...(column.date === true ? { style: { numFmt: DATE_FORMAT } } : {}),
  }));
  sheet.getRow(1).font = { bold: true };
  return sheet;
}

async function copyRows(
  spool: string,
  sheet: ExcelJS.Worksheet,
  columns: readonly ColumnSpec[],
): Promise<void> {
  const lines = createInterface({ input: createReadStream(spool, "utf8"), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === "") continue;
    const cells = JSON.parse(line) as Cell[];
    // Dates travel through the spool as ISO text and become real Excel dates here.
    const values = cells.map((cell, index) =>
      columns[index]?.date === true && typeof cell === "string" ? new Date(cell) : cell,
    );
    sheet.addRow(values).commit();
    await zipCatchesUp(sheet);
  }
}

/**
 * Waits while the compressor is behind with a sheet's rows. exceljs's streaming writer hands committed rows
 * to the zip stream without waiting for it (its own buffer's `write` always returns true), so a writer
 * faster than deflate queues the whole sheet in memory (about 200 MB of Buffers for 300,000 rows). The
 * stream it writes into (`stream.pipes`, exceljs 4.4) does report back-pressure: wait for it to drain.
 * If that internal ever changes, rows are written as before, without waiting.
 */
async function zipCatchesUp(sheet: ExcelJS.Worksheet): Promise<void> {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  if (!Array.isArray(pipes)) return;
  for (const pipe of pipes as ZipEntryInput[]) {
    // archiver's PassThrough comes from readable-stream 2, which only has the state object, not the getter.
    const needsDrain = pipe?.writableNeedDrain ?? pipe?._writableState?.needDrain;
    if (needsDrain === true && pipe?.destroyed !== true && pipe instanceof EventEmitter) {
      await once(pipe, "drain");
    }
  }
}

/** What {@link zipCatchesUp} reads of the stream behind a sheet (node's or readable-stream's). */
type ZipEntryInput =
  | {
      readonly writableNeedDrain?: boolean;
      readonly _writableState?: { readonly needDrain?: boolean };
      readonly destroyed?: boolean;
    }
  | undefined;

/**
 * Writes `certificate_migration_report.xlsx` for a run of any size: outcomes are spooled to temporary
 * files as they come (bounded memory), and at the end the workbook is written with exceljs's streaming
 * writer, sheets `Migrated`, `Unmigrated` and `Summary` (always all three, even when empty), header rows
 * bold and frozen, columns sized, dates as real Excel dates in UTC. The file appears atomically (written
 * beside the target, then renamed).
 */
export class MigrationReportWriter {
  private constructor(
    private readonly target: string,
    private readonly spoolDirectory: string,
    private readonly migrated: WriteStream,
    private readonly unmigrated: WriteStream,
  ) {}

  /** Starts a report that will be written to `target`. */
  static async create(target: string): Promise<Result<MigrationReportWriter>> {
    try {
      const directory = await mkdtemp(path.join(tmpdir(), "certs-migration-report-"));
      return ok(
        new MigrationReportWriter(
          target,
          directory,
          createWriteStream(path.join(directory, "migrated.ndjson")),
          createWriteStream(path.join(directory, "unmigrated.ndjson")),
        ),
      );
    } catch (error) {
      return fileError(`Could not create temporary files for the report ${target}.`, error, target);
    }
  }

  /** Adds one certificate's outcome (already-migrated skips do not belong in the report). */
  async add(outcome: CertificateOutcome): Promise<void> {
    if (outcome.kind === "migrated") await writeLine(this.migrated, JSON.stringify(migratedRow(outcome)));
    else if (outcome.kind === "failed" || outcome.reason !== "already_migrated")
      await writeLine(this.unmigrated, JSON.stringify(unmigratedRow(outcome)));
  }

  /** Writes the workbook with the run's summary and removes the temporary files. */
  async finish(summary: MigrationSummary): Promise<Result<void>> {
    const temporary = path.join(
      path.dirname(this.target),
      `.${path.basename(this.target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
    );
    try {
      await closeStream(this.migrated);
      await closeStream(this.unmigrated);
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: temporary, useStyles: true });
      const migrated = addSheet(workbook, "Migrated", MIGRATED_COLUMNS);
      await copyRows(path.join(this.spoolDirectory, "migrated.ndjson"), migrated, MIGRATED_COLUMNS);
      migrated.commit();
      const unmigrated = addSheet(workbook, "Unmigrated", UNMIGRATED_COLUMNS);
      await copyRows(path.join(this.spoolDirectory, "unmigrated.ndjson"), unmigrated, UNMIGRATED_COLUMNS);
      unmigrated.commit();
      const summarySheet = addSheet(workbook, "Summary", [
        { header: "item", width: 34 },
        { header: "value", width: 60 },
      ]);
      for (const [item, value] of summaryRows(summary)) {
        const row = summarySheet.addRow([item, value]);
        if (value instanceof Date) row.getCell(2).numFmt = DATE_FORMAT;
        row.commit();
      }
      summarySheet.commit();
      await workbook.commit();
      await rename(temporary, this.target);
      return ok(undefined);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      return fileError(
        `Could not write the report ${this.target}: ${(error as Error).message}.`,
        error,
        this.target,
      );
    } finally {
      await rm(this.spoolDirectory, { recursive: true, force: true }).catch(() => undefined);
    }
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
    ["skipped (already migrated)", summary.skipped],
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
