import type { ColumnSpec } from "./xlsx-sheets.js";

/** The Migrated sheet: the original tool's columns first, in its order, then ours. */
export const MIGRATED_COLUMNS: readonly ColumnSpec[] = [
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
export const UNMIGRATED_COLUMNS: readonly ColumnSpec[] = [
  { header: "ecu", width: 18 },
  { header: "errors", width: 80 },
  { header: "old_certificate_id", width: 12 },
  { header: "certificate_serial", width: 12 },
  { header: "error_code", width: 18 },
  { header: "failing_step", width: 22 },
];

/** A cell as it crosses to the report's thread; a date column holds epoch milliseconds. */
export type ReportCell = string | number | null;

/** What the report's thread is started with: every path is chosen (and later removed) by the calling thread. */
export interface ReportWorkerStart {
  readonly target: string;
  /** The temporary file beside `target`, renamed onto it at the end. */
  readonly temporary: string;
  /** The file the Unmigrated rows wait in until their sheet is written. */
  readonly spool: string;
}

/** Rows for the report, row after row in one flat array per sheet (one message, not one per row). */
export interface ReportRows {
  readonly kind: "rows";
  /** `MIGRATED_COLUMNS.length` cells per row. */
  readonly migrated: ReportCell[];
  /** `UNMIGRATED_COLUMNS.length` cells per row. */
  readonly unmigrated: ReportCell[];
  readonly rows: number;
}

/** The Summary sheet's rows: item and value. */
export type SummaryRows = ReadonlyArray<readonly [string, string | number | Date]>;

/** What the calling thread sends the report's thread. */
export type ReportRequest =
  ReportRows | { readonly kind: "finish"; readonly summary: SummaryRows } | { readonly kind: "discard" };

/** Why the report could not be written: the cause's message and, for a system error, its code. */
export interface ReportFailure {
  readonly message: string;
  readonly code?: string;
}

/** What the report's thread answers. */
export type ReportReply =
  | { readonly kind: "ready" }
  /** `rows` more are written (or dropped: `fileFailed` says the file has failed, later rows need not come). */
  | { readonly kind: "written"; readonly rows: number; readonly fileFailed: boolean }
  /** The answer to `finish` and `discard`, and to a start that failed: the thread then ends. */
  | { readonly kind: "done"; readonly failure?: ReportFailure };

/** The failure of `error`, as it can be posted between threads. */
export function reportFailureOf(error: unknown): ReportFailure {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? { message, code } : { message };
}
