import { appError, err, ErrorCode, ok, Result, type AppError } from "@certs/result";
import { readEntryFields } from "../ct-entry.js";

/**
 * The JSON files that carry CT entries in the original system: the uploader's pending files (arrays of
 * `certs` rows), `get-entries` responses, single `get-entries` elements, the workers' failure records
 * (`{"entry": {...}, "log_name", "ct_index", "error_message", ...}`) and their pending uploads
 * (`{"url", "method", "data": [rows]}`).
 */
export type EntrySourceShape =
  | "pending_file"
  | "get_entries_response"
  | "single_entry"
  | "worker_failure_record"
  | "worker_pending_upload";

/** One entry of a file: its base64 fields, or why they cannot be had. */
export interface SourcedEntry {
  /** Index in the file's array of entries (0 for a file that holds one). */
  readonly position: number;
  readonly logName: string | null;
  readonly fields: Result<{ readonly leafInput: string; readonly extraData: string }, AppError>;
}

/** A file's entries, and the shape they were found in. */
export interface EntrySource {
  readonly shape: EntrySourceShape;
  readonly entries: readonly SourcedEntry[];
}

/** Finds the shape of a parsed JSON file and lists its entries; fails when it is none of the known shapes. */
export function readEntrySource(json: unknown): Result<EntrySource, AppError> {
  if (Array.isArray(json)) return ok({ shape: "pending_file", entries: json.map(pendingRow) });
  if (!isRecord(json)) return unknownShape();
  if (Array.isArray(json["entries"])) {
    return ok({
      shape: "get_entries_response",
      entries: json["entries"].map((element: unknown, position) => ({
        position,
        logName: null,
        fields: elementFields(element, "The get-entries element"),
      })),
    });
  }
  if ("leaf_input" in json) {
    return ok({
      shape: "single_entry",
      entries: [{ position: 0, logName: null, fields: elementFields(json, "The entry") }],
    });
  }
  if ("entry" in json) {
    const entry = json["entry"];
    const fields =
      typeof entry === "string" ? readEntryFields(entry) : elementFields(entry, "The record's entry");
    return ok({
      shape: "worker_failure_record",
      entries: [{ position: 0, logName: stringOrNull(json["log_name"]), fields }],
    });
  }
  if (Array.isArray(json["data"]) && typeof json["url"] === "string") {
    return ok({ shape: "worker_pending_upload", entries: json["data"].map(pendingRow) });
  }
  return unknownShape();
}

const REQUIRED_STRINGS = ["ct_entry", "ct_log_url", "log_name"] as const;

/** A `certs` row as the uploader posts it: the manager API requires these strings; worker_name may be null. */
function pendingRow(row: unknown, position: number): SourcedEntry {
  if (!isRecord(row)) return { position, logName: null, fields: problem("The entry is not a JSON object.") };
  const logName = stringOrNull(row["log_name"]);
  const bad = (message: string): SourcedEntry => ({ position, logName, fields: problem(message) });
  for (const field of REQUIRED_STRINGS) {
    if (typeof row[field] !== "string") {
      return bad(row[field] === null ? `The entry's ${field} is null.` : `The entry has no ${field} string.`);
    }
  }
  const worker = row["worker_name"];
  if (worker !== null && typeof worker !== "string")
    return bad("The entry's worker_name is neither null nor a string.");
  const ctIndex = row["ct_index"];
  if (typeof ctIndex !== "number" || !Number.isInteger(ctIndex) || ctIndex < 0) {
    return bad("The entry's ct_index is not a non-negative integer.");
  }
  const ip = row["ip_address"];
  if (ip !== undefined && ip !== null && typeof ip !== "string") {
    return bad("The entry's ip_address is neither null nor a string.");
  }
  return { position, logName, fields: readEntryFields(row["ct_entry"] as string) };
}

function elementFields(
  element: unknown,
  what: string,
): Result<{ leafInput: string; extraData: string }, AppError> {
  if (!isRecord(element)) return problem(`${what} is not a JSON object.`);
  const leafInput = element["leaf_input"];
  const extraData = element["extra_data"];
  if (typeof leafInput !== "string") return problem(`${what} has no leaf_input string.`);
  if (typeof extraData !== "string") return problem(`${what} has no extra_data string.`);
  return ok({ leafInput, extraData });
}

function unknownShape(): Result<never, AppError> {
  return problem(
    "The file is none of the known shapes: an array of entries, a get-entries response, an entry, a worker failure record or pending upload.",
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function problem(message: string): Result<never, AppError> {
  return err(appError(ErrorCode.PARSE_ERROR, message));
}

/** Parses a file's text as JSON. */
export function parseJsonFile(text: string): Result<unknown, AppError> {
  return Result.tryCatch(
    (): unknown => JSON.parse(text),
    (cause) => appError(ErrorCode.PARSE_ERROR, "The file is not valid JSON.", { cause }),
  );
}
