import { mkdtemp, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { redactSecrets } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { MigrationSummary } from "../migration/migration-summary.js";
import { oneLine, type CertificateOutcome } from "../migration/outcomes.js";
import { outputFileError } from "./output-file.js";
import type { ReportCell, ReportFailure, ReportRows, SummaryRows } from "./report-messages.js";
import { ReportThread } from "./report-thread.js";
import { temporaryBeside } from "./xlsx-sheets.js";

function toNumber(value: string | null): number | null {
  return value === null ? null : Number(value);
}

/** Appends a Migrated row (`MIGRATED_COLUMNS`' order; dates as epoch milliseconds) to `cells`. */
function pushMigrated(cells: ReportCell[], outcome: Extract<CertificateOutcome, { kind: "migrated" }>): void {
  const c = outcome.certificate;
  cells.push(
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
    c.installationDate.getTime(),
    c.calibrationDate.getTime(),
    c.expiryDate.getTime(),
    c.cancellationDate === null ? null : c.cancellationDate.getTime(),
    toNumber(c.deviceId),
    toNumber(c.customerId),
    toNumber(c.vehicleId),
    outcome.legacy.legacyCustomerId,
    c.speedLimit,
    outcome.warnings.map(oneLine).join("; "),
  );
}

/** Appends an Unmigrated row (`UNMIGRATED_COLUMNS`' order) to `cells`. */
function pushUnmigrated(
  cells: ReportCell[],
  outcome: Exclude<CertificateOutcome, { kind: "migrated" }>,
): void {
  if (outcome.kind === "skipped") {
    cells.push(
      outcome.legacy.ecu,
      "skipped by the operator",
      outcome.legacy.legacyId,
      outcome.legacy.serialNumber,
      "SKIPPED",
      "interactive",
    );
    return;
  }
  const first = outcome.failures[0];
  cells.push(
    outcome.legacy.ecu,
    outcome.failures.map((f) => oneLine(f.message)).join(", "),
    outcome.legacy.legacyId,
    outcome.legacy.serialNumber,
    first?.code ?? "",
    first?.step ?? "",
  );
}

/** The FILE_ERROR for a failure the report's thread answered, naming the path. */
function reportError(target: string, failure: ReportFailure): Result<never> {
  return err(outputFileError(target, Object.assign(new Error(failure.message), { code: failure.code })));
}

/** Outcomes waiting for the report before `add` makes its caller wait (bounded memory). */
const QUEUE_HIGH_WATER = 5000;
/** Outcomes per message to the report's thread, at most (a group's outcomes usually go together). */
const BATCH_ROWS = 1000;

/**
 * Writes `certificate_migration_report.xlsx` for a run of any size, as the run goes, in a worker thread of
 * its own, so the workbook's XML and zip work stays off the migration's thread: `add` puts an outcome in a
 * batch and returns (it waits only while 5,000 outcomes are on their way), and each group's batch is posted
 * to the thread, which writes migrated certificates straight into the streaming workbook's `Migrated` sheet
 * and the others to a spool file that becomes the `Unmigrated` sheet at the end (exceljs writes one sheet at
 * a time). Sheets `Migrated`, `Unmigrated` and `Summary` are always there; header rows bold and frozen,
 * columns sized, dates real Excel dates in UTC. The file appears atomically (a temporary file beside it,
 * renamed); a write error, or a thread that dies, ends as a FILE_ERROR naming the path from `finish`, never
 * a hang; the temporary file and the spool are removed by `finish` and `discard` whatever happened.
 */
export class MigrationReportWriter {
  private migrated: ReportCell[] = [];
  private unmigrated: ReportCell[] = [];
  private rows = 0;
  private flushing: NodeJS.Immediate | undefined;
  private readonly waiting: Array<() => void> = [];
  private finished = false;
  private readonly thread: ReportThread;

  private constructor(
    /** The report's path. */
    readonly target: string,
    private readonly temporary: string,
    private readonly spoolDirectory: string,
  ) {
    this.thread = new ReportThread(
      { target, temporary, spool: path.join(spoolDirectory, "unmigrated.ndjson") },
      () => this.wakeWriters(),
    );
  }

  /**
   * Starts a report that will be written to `target`: its directory must take a new file now (a
   * FILE_ERROR naming the path otherwise), so a run never works for nothing.
   */
  static async create(target: string): Promise<Result<MigrationReportWriter>> {
    let directory: string;
    try {
      directory = await mkdtemp(path.join(tmpdir(), "certs-migration-report-"));
    } catch (error) {
      return err(
        appError(ErrorCode.FILE_ERROR, `Could not create temporary files for the report ${target}.`, {
          cause: error,
          details: { path: target },
        }),
      );
    }
    let writer: MigrationReportWriter | undefined;
    try {
      writer = new MigrationReportWriter(target, temporaryBeside(target), directory);
    } catch (error) {
      await rm(directory, { recursive: true, force: true }).catch(() => undefined);
      return err(outputFileError(target, error));
    }
    const failure = await writer.thread.ready();
    if (failure === undefined) return ok(writer);
    await writer.removeTemporaryFiles();
    return reportError(target, failure);
  }

  /** Queues one certificate's outcome (already-migrated skips do not belong in the report). */
  add(outcome: CertificateOutcome): Promise<void> {
    if (this.finished || this.thread.dropping) return Promise.resolve();
    if (outcome.kind === "skipped" && outcome.reason === "already_migrated") return Promise.resolve();
    if (outcome.kind === "migrated") pushMigrated(this.migrated, outcome);
    else pushUnmigrated(this.unmigrated, outcome);
    this.rows += 1;
    if (this.rows >= BATCH_ROWS) this.flush();
    // Posted once the caller's current turn is over: a group's outcomes, recorded one after the other, go together.
    else this.flushing ??= setImmediate(() => this.flush());
    if (this.thread.pendingRows + this.rows < QUEUE_HIGH_WATER) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Posts the batch being collected. */
  private flush(): void {
    if (this.flushing !== undefined) clearImmediate(this.flushing);
    this.flushing = undefined;
    const batch: ReportRows = {
      kind: "rows",
      migrated: this.migrated,
      unmigrated: this.unmigrated,
      rows: this.rows,
    };
    this.migrated = [];
    this.unmigrated = [];
    this.rows = 0;
    this.thread.send(batch);
    this.wakeWriters();
  }

  private wakeWriters(): void {
    if (this.thread.dropping || this.thread.pendingRows + this.rows < QUEUE_HIGH_WATER / 2) {
      for (const wake of this.waiting.splice(0)) wake();
    }
  }

  /** Writes the rest of the workbook with the run's summary, renames it into place and removes the spool. */
  async finish(summary: MigrationSummary): Promise<Result<void>> {
    this.finished = true;
    try {
      this.flush();
      const failure = await this.thread.end({ kind: "finish", summary: summaryRows(summary) });
      return failure === undefined ? ok(undefined) : reportError(this.target, failure);
    } finally {
      await this.removeTemporaryFiles();
    }
  }

  /** Gives the report up (a run that never started): no file is left, the spool is removed. */
  async discard(): Promise<void> {
    this.finished = true;
    if (this.flushing !== undefined) clearImmediate(this.flushing);
    this.flushing = undefined;
    this.migrated = [];
    this.unmigrated = [];
    this.rows = 0;
    try {
      await this.thread.end({ kind: "discard" });
    } finally {
      await this.removeTemporaryFiles();
    }
  }

  /** Whatever the thread did or did not get to: the spool goes, and so does the temporary file (renamed or not). */
  private async removeTemporaryFiles(): Promise<void> {
    this.wakeWriters();
    await rm(this.spoolDirectory, { recursive: true, force: true }).catch(() => undefined);
    await unlink(this.temporary).catch(() => undefined);
  }
}

function summaryRows(summary: MigrationSummary): SummaryRows {
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
