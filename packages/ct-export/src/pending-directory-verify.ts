import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { appError, err, ErrorCode, ok, Result, type AppError } from "@certs/result";
import { decodeCtEntry } from "./ct-entry.js";
import type { CtEntryType } from "./merkle-tree-leaf.js";

/** One thing wrong in a pending directory: a whole file (`position` null) or one entry of it. */
export interface PendingEntryProblem {
  readonly file: string;
  /** Index of the entry in the file's array, or null when the file itself is unusable. */
  readonly position: number | null;
  readonly logName: string | null;
  readonly message: string;
}

/** What `verifyPendingDirectory` found. */
export interface PendingDirectoryReport {
  /** `*.json` files read. */
  readonly files: number;
  /** Entries seen in those files, good or bad. */
  readonly entries: number;
  /** Good entries per `log_name`. */
  readonly byLog: Readonly<Record<string, number>>;
  /** Good entries per RFC 6962 entry type. */
  readonly byEntryType: Readonly<Record<CtEntryType, number>>;
  readonly problems: readonly PendingEntryProblem[];
}

const STRING_FIELDS = ["ct_entry", "ct_log_url", "log_name", "worker_name"] as const;

/**
 * Checks every `*.json` file of a pending upload directory as the uploader would read it: a JSON array of
 * `{ct_entry, ct_log_url, log_name, worker_name, ct_index, ip_address?}` whose `ct_entry` decodes as an
 * RFC 6962 entry. Fails only when the directory cannot be listed; bad files and entries are reported.
 */
export async function verifyPendingDirectory(dir: string): Promise<Result<PendingDirectoryReport, AppError>> {
  const listing = await Result.fromPromise(
    () => readdir(dir, { withFileTypes: true }),
    (cause) => appError(ErrorCode.FILE_ERROR, `Cannot list the pending directory ${dir}.`, { cause }),
  );
  if (!listing.ok) return listing;
  const names = listing.value
    .filter((entry) => entry.isFile() && entry.name.endsWith(".json"))
    .map((entry) => entry.name)
    .sort();

  const byLog: Record<string, number> = {};
  const byEntryType: Record<CtEntryType, number> = { x509_entry: 0, precert_entry: 0 };
  const problems: PendingEntryProblem[] = [];
  let entries = 0;
  for (const name of names) {
    const rows = await readPendingFile(path.join(dir, name));
    if (!rows.ok) {
      problems.push({ file: name, position: null, logName: null, message: rows.error.message });
      continue;
    }
    for (const [position, row] of rows.value.entries()) {
      entries += 1;
      const checked = checkRow(row);
      if (!checked.ok) {
        problems.push({ file: name, position, logName: logNameOf(row), message: checked.error.message });
        continue;
      }
      byLog[checked.value.logName] = (byLog[checked.value.logName] ?? 0) + 1;
      byEntryType[checked.value.entryType] += 1;
    }
  }
  return ok({ files: names.length, entries, byLog, byEntryType, problems });
}

async function readPendingFile(file: string): Promise<Result<unknown[], AppError>> {
  const text = await Result.fromPromise(
    () => readFile(file, "utf8"),
    (cause) => appError(ErrorCode.FILE_ERROR, `Cannot read ${file}.`, { cause }),
  );
  if (!text.ok) return text;
  const parsed = Result.tryCatch(
    (): unknown => JSON.parse(text.value),
    (cause) => appError(ErrorCode.PARSE_ERROR, "The file is not valid JSON.", { cause }),
  );
  if (!parsed.ok) return parsed;
  if (!Array.isArray(parsed.value)) {
    return err(appError(ErrorCode.PARSE_ERROR, "The file is not a JSON array of entries."));
  }
  return ok(parsed.value as unknown[]);
}

function checkRow(row: unknown): Result<{ logName: string; entryType: CtEntryType }, AppError> {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    return problem("The entry is not a JSON object.");
  }
  const record = row as Record<string, unknown>;
  for (const field of STRING_FIELDS) {
    if (typeof record[field] !== "string") return problem(`The entry has no ${field} string.`);
  }
  const ctIndex = record["ct_index"];
  if (typeof ctIndex !== "number" || !Number.isInteger(ctIndex) || ctIndex < 0) {
    return problem("The entry's ct_index is not a non-negative integer.");
  }
  const ip = record["ip_address"];
  if (ip !== undefined && ip !== null && typeof ip !== "string") {
    return problem("The entry's ip_address is neither null nor a string.");
  }
  const decoded = decodeCtEntry(record["ct_entry"] as string);
  if (!decoded.ok) return decoded;
  return ok({ logName: record["log_name"] as string, entryType: decoded.value.entryType });
}

function logNameOf(row: unknown): string | null {
  if (typeof row !== "object" || row === null) return null;
  const name = (row as Record<string, unknown>)["log_name"];
  return typeof name === "string" ? name : null;
}

function problem(message: string): Result<never, AppError> {
  return err(appError(ErrorCode.PARSE_ERROR, message));
}
