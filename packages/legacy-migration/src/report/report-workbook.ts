import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import ExcelJS from "exceljs";
import {
  MIGRATED_COLUMNS,
  UNMIGRATED_COLUMNS,
  type ReportCell,
  type ReportRows,
  type ReportWorkerStart,
  type SummaryRows,
} from "./report-messages.js";
import type { TemporaryFile } from "./temporary-file.js";
import {
  addSharedStyleRow,
  addSheet,
  columnStyles,
  DATE_FORMAT,
  zipCatchesUp,
  type ColumnSpec,
} from "./xlsx-sheets.js";

const MIGRATED_STYLES = columnStyles(MIGRATED_COLUMNS);
const UNMIGRATED_STYLES = columnStyles(UNMIGRATED_COLUMNS);
/** Which Migrated cells are dates (they cross as epoch milliseconds). */
const MIGRATED_DATES = MIGRATED_COLUMNS.map((column) => column.date === true);

function migratedRow(cells: readonly ReportCell[], start: number): Array<ReportCell | Date> {
  const row: Array<ReportCell | Date> = cells.slice(start, start + MIGRATED_COLUMNS.length);
  for (let i = 0; i < row.length; i++) {
    const value = row[i];
    if (MIGRATED_DATES[i] === true && typeof value === "number") row[i] = new Date(value);
  }
  return row;
}

async function copyRows(spool: string, sheet: ExcelJS.Worksheet, abandon: AbortSignal): Promise<void> {
  const lines = createInterface({ input: createReadStream(spool, "utf8"), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === "" || abandon.aborted) continue;
    addSharedStyleRow(sheet, JSON.parse(line) as ReportCell[], UNMIGRATED_STYLES);
    await zipCatchesUp(sheet, abandon);
  }
}

/**
 * The report's workbook, written in the report's worker thread: migrated rows straight into the streaming
 * workbook's `Migrated` sheet, the others to a spool file that becomes the `Unmigrated` sheet at the end
 * (exceljs writes one sheet at a time), then `Summary`. Waits for the compressor after every row, so its
 * memory stays bounded; a write error is kept and thrown by `finish` (after the file was removed).
 */
export class ReportWorkbook {
  private spoolError: unknown;

  private constructor(
    private readonly file: TemporaryFile,
    private readonly spool: string,
    private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter,
    private readonly migrated: ExcelJS.Worksheet,
    private readonly unmigrated: WriteStream,
  ) {
    unmigrated.on("error", (error) => {
      this.spoolError ??= error;
    });
  }

  /** The workbook in `file` (opened already: a bad directory fails before exceljs is even loaded). */
  static over(file: TemporaryFile, start: ReportWorkerStart): ReportWorkbook {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: file.stream, useStyles: true });
    const migrated = addSheet(workbook, "Migrated", MIGRATED_COLUMNS);
    const unmigrated = createWriteStream(start.spool);
    return new ReportWorkbook(file, start.spool, workbook, migrated, unmigrated);
  }

  /** Whether the file has failed: rows are dropped, `finish` throws. */
  get failed(): boolean {
    return this.file.failed;
  }

  /** Writes a batch of rows, waiting for the compressor and the spool as they ask. */
  async add(batch: ReportRows): Promise<void> {
    const abandon = this.file.abandoned;
    for (let start = 0; start < batch.migrated.length; start += MIGRATED_COLUMNS.length) {
      if (this.file.failed) return;
      addSharedStyleRow(this.migrated, migratedRow(batch.migrated, start), MIGRATED_STYLES);
      await zipCatchesUp(this.migrated, abandon);
    }
    for (let start = 0; start < batch.unmigrated.length; start += UNMIGRATED_COLUMNS.length) {
      if (this.file.failed || this.spoolError !== undefined) return;
      const row = batch.unmigrated.slice(start, start + UNMIGRATED_COLUMNS.length);
      if (!this.unmigrated.write(`${JSON.stringify(row)}\n`)) {
        await once(this.unmigrated, "drain", { signal: abandon }).catch(() => undefined);
      }
    }
  }

  /** Writes the Unmigrated and Summary sheets and renames the file into place; throws what failed. */
  async finish(summary: SummaryRows): Promise<void> {
    this.unmigrated.end();
    if (!this.unmigrated.closed) await once(this.unmigrated, "close").catch(() => undefined);
    if (this.spoolError !== undefined) {
      await this.file.discard();
      throw new Error(`its temporary file failed (${String(this.spoolError)})`, { cause: this.spoolError });
    }
    await this.file.close(async () => {
      this.migrated.commit();
      const unmigrated = addSheet(this.workbook, "Unmigrated", UNMIGRATED_COLUMNS);
      await copyRows(this.spool, unmigrated, this.file.abandoned);
      unmigrated.commit();
      const summarySheet = addSheet(this.workbook, "Summary", SUMMARY_COLUMNS);
      for (const [item, value] of summary) {
        const row = summarySheet.addRow([item, value]);
        if (value instanceof Date) row.getCell(2).numFmt = DATE_FORMAT;
        row.commit();
      }
      summarySheet.commit();
      await this.workbook.commit();
    });
  }

  /** Gives the file up: no file is left (the spool is the calling thread's to remove). */
  async discard(): Promise<void> {
    this.unmigrated.destroy();
    await this.file.discard();
  }
}

const SUMMARY_COLUMNS: readonly ColumnSpec[] = [
  { header: "item", width: 34 },
  { header: "value", width: 60 },
];
