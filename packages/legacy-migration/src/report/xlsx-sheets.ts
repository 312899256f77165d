import { randomBytes } from "node:crypto";
import { EventEmitter, once } from "node:events";
import path from "node:path";
import type ExcelJS from "exceljs";

/** How dates show in every sheet. */
export const DATE_FORMAT = "yyyy-mm-dd hh:mm:ss";

/** A sheet column: header, width, and whether it holds dates. */
export interface ColumnSpec {
  readonly header: string;
  readonly width: number;
  readonly date?: boolean;
}

/** A sheet with a bold, frozen header row and sized columns (dates formatted as dates). */
export function addSheet(
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

/** One style object per column, shared by all its cells (see {@link addSharedStyleRow}). */
export type ColumnStyles = ReadonlyArray<Partial<ExcelJS.Style>>;

/** The styles of `columns`' cells: dates formatted as dates, the rest plain. */
export function columnStyles(columns: readonly ColumnSpec[]): ColumnStyles {
  return columns.map((column) => (column.date === true ? { numFmt: DATE_FORMAT } : {}));
}

/**
 * Adds and commits a row whose cells share their column's style object. exceljs gives every cell a style
 * object of its own and turns each into XML to find its style id, which cost the run more CPU than the
 * migration itself; it remembers the id of an object it has seen, so shared objects cost that once.
 */
export function addSharedStyleRow(
  sheet: ExcelJS.Worksheet,
  values: readonly unknown[],
  styles: ColumnStyles,
): void {
  const row = sheet.addRow(values);
  row.eachCell({ includeEmpty: true }, (cell, column) => {
    const style = styles[column - 1];
    if (style !== undefined) cell.style = style;
  });
  row.commit();
}

/**
 * Waits while the compressor is behind with a sheet's rows. exceljs's streaming writer hands committed rows
 * to the zip stream without waiting for it (its own buffer's `write` always returns true), so a writer
 * faster than deflate queues the whole sheet in memory (about 200 MB of Buffers for 300,000 rows). The
 * stream it writes into (`stream.pipes`, exceljs 4.4) does report back-pressure: wait for it to drain.
 * If that internal ever changes, rows are written as before, without waiting.
 */
export async function zipCatchesUp(sheet: ExcelJS.Worksheet, abandon?: AbortSignal): Promise<void> {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  if (!Array.isArray(pipes)) return;
  for (const pipe of pipes as ZipEntryInput[]) {
    // archiver's PassThrough comes from readable-stream 2, which only has the state object, not the getter.
    const needsDrain = pipe?.writableNeedDrain ?? pipe?._writableState?.needDrain;
    if (needsDrain === true && pipe?.destroyed !== true && pipe instanceof EventEmitter) {
      // A file that failed never drains: `abandon` ends the wait instead of hanging the run.
      if (abandon?.aborted === true) return;
      await once(pipe, "drain", abandon === undefined ? {} : { signal: abandon }).catch(() => undefined);
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

/** A temporary file beside `target`, renamed onto it once complete, so the target appears atomically. */
export function temporaryBeside(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
}
