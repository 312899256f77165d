import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";

/** One entry of a pending upload file, as the uploader and the manager API read it. */
export interface PendingRow {
  /** Null (SQL NULL) is written as JSON `null`, as the original's `json.dump` of `None` does; so are the next three. */
  readonly ct_entry: string | null;
  readonly ct_log_url: string | null;
  readonly log_name: string | null;
  readonly worker_name: string | null;
  /** A decimal string (what the database gives for BIGINT), or a safe integer: written as a JSON number. */
  readonly ct_index: string | number | bigint;
  readonly ip_address: string | null;
}

const DECIMAL = /^-?(0|[1-9][0-9]*)$/;

/** `upload_failure_YYYYMMDD_HHMMSS_XXXX.json`, the names the uploader picks up. */
export const PENDING_FILE_NAME = /^upload_failure_\d{8}_\d{6}_[1-9]\d{3}\.json$/;

/**
 * Serialises rows exactly as `JSON.stringify(rows, null, 2)` would (the layout of the original exporter's
 * files), except that `ct_index` is spliced in as its decimal digits, so indices above 2^53 keep every digit.
 * A ct_index that is not an integer, or an unsafe JS number (digits already lost), is a DATA_ERROR.
 */
export function formatPendingFile(rows: readonly PendingRow[]): Result<string, AppError> {
  if (rows.length === 0) return ok("[]");
  const parts: string[] = [];
  for (const [position, row] of rows.entries()) {
    const digits = ctIndexDigits(row.ct_index);
    if (digits === null) return err(inexactCtIndex(position, row.ct_index));
    parts.push(
      "  {\n" +
        `    "ct_entry": ${JSON.stringify(row.ct_entry)},\n` +
        `    "ct_log_url": ${JSON.stringify(row.ct_log_url)},\n` +
        `    "log_name": ${JSON.stringify(row.log_name)},\n` +
        `    "worker_name": ${JSON.stringify(row.worker_name)},\n` +
        `    "ct_index": ${digits},\n` +
        `    "ip_address": ${row.ip_address === null ? "null" : JSON.stringify(row.ip_address)}\n` +
        "  }",
    );
  }
  return ok(`[\n${parts.join(",\n")}\n]`);
}

/** The DATA_ERROR for a row whose ct_index is missing or would lose digits: bad data, not bad usage. */
export function inexactCtIndex(position: number, value: string | number | bigint): AppError {
  return appError(
    ErrorCode.DATA_ERROR,
    `Row ${position} has ct_index ${String(value)}, which is not an exact integer; read BIGINT columns as strings.`,
    { details: { position } },
  );
}

/** The decimal digits of a ct_index, or null when it is not an exact integer. */
export function ctIndexDigits(value: string | number | bigint): string | null {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isSafeInteger(value) ? String(value) : null;
  return DECIMAL.test(value) ? value : null;
}

/** The file name for an export at `at` (local time) with the four-digit `suffix` (1000-9999). */
export function pendingFileName(at: Date, suffix: number): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const date = `${pad(at.getFullYear(), 4)}${pad(at.getMonth() + 1)}${pad(at.getDate())}`;
  const time = `${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  return `upload_failure_${date}_${time}_${suffix}.json`;
}

/** A suffix in 1000-9999 from a number in [0, 1), as `Math.random` returns. */
export function pendingFileSuffix(random: () => number): number {
  const value = 1000 + Math.floor(random() * 9000);
  return Math.min(9999, Math.max(1000, value));
}
