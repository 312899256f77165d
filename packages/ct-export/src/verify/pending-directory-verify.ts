import { mkdir, readdir, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { appError, err, ErrorCode, ok, Result, type AppError } from "@certs/result";
import { decodeBase64 } from "../ct-entry.js";
import type { CtEntryType } from "../merkle-tree-leaf.js";
import { leafHash, verifyCtEntryFields, type CtEntryCheck } from "./ct-entry-checks.js";
import { parseJsonFile, readEntrySource, type EntrySource, type EntrySourceShape } from "./entry-sources.js";
import { quarantineFile } from "./quarantine.js";

/**
 * What was wrong: `file` (the file cannot be read or has no known shape), `row` (a pending row's fields are
 * not what the uploader posts), or the entry check that failed.
 */
export type PendingProblemKind = "file" | "row" | CtEntryCheck;

/** One thing wrong: a whole file (`position` null) or one entry of it. */
export interface PendingEntryProblem {
  readonly file: string;
  /** Index of the entry in the file, or null when the file itself is unusable. */
  readonly position: number | null;
  readonly logName: string | null;
  readonly kind: PendingProblemKind;
  readonly message: string;
}

/** One entry seen, good or bad, with its RFC 6962 leaf hash when `leaf_input` is base64. */
export interface CheckedEntry {
  readonly file: string;
  readonly position: number;
  readonly logName: string | null;
  readonly entryType: CtEntryType | null;
  /** SHA-256(0x00 || leaf_input), base64; null when `leaf_input` is missing or not base64. */
  readonly leafHash: string | null;
  readonly good: boolean;
}

/** Entries with one leaf hash found more than once, across files or within one. */
export interface DuplicateEntry {
  readonly leafHash: string;
  readonly occurrences: readonly { readonly file: string; readonly position: number }[];
}

/** A file moved out of the pending directory because it holds a bad entry (or cannot be read). */
export interface QuarantinedFile {
  readonly file: string;
  /** Where it is now, or null when it could not be moved (see `error`). */
  readonly movedTo: string | null;
  readonly error: string | null;
}

/** What `verifyPendingFiles` / `verifyPendingDirectory` found. */
export interface PendingDirectoryReport {
  /** Files read: a directory's `*.json` files and files named directly. */
  readonly files: number;
  /** Files that are not JSON or none of the known shapes: their entries are not counted. */
  readonly unreadableFiles: number;
  /** Readable files holding at least one bad entry. */
  readonly filesWithBadEntries: number;
  /** Files per shape found. */
  readonly byShape: Readonly<Record<EntrySourceShape, number>>;
  /** Entries in the readable files, good or bad. */
  readonly entries: number;
  readonly goodEntries: number;
  readonly badEntries: number;
  /** Entries whose leaf hash was already seen (each repetition after the first counts once). */
  readonly duplicateEntries: number;
  /** Good entries per `log_name` (entries without one, such as get-entries elements, under `(none)`). */
  readonly byLog: Readonly<Record<string, number>>;
  /** Good entries per RFC 6962 entry type. */
  readonly byEntryType: Readonly<Record<CtEntryType, number>>;
  readonly problems: readonly PendingEntryProblem[];
  readonly duplicates: readonly DuplicateEntry[];
  readonly checkedEntries: readonly CheckedEntry[];
  /** Files moved into the quarantine directory (empty without `quarantineDir`). */
  readonly quarantined: readonly QuarantinedFile[];
}

/** Options of {@link verifyPendingFiles}. */
export interface VerifyPendingOptions {
  /**
   * Move each file that holds a bad entry or cannot be read into this directory (created if missing), out of
   * the uploader's sight. It must not be one of the directories verified.
   */
  readonly quarantineDir?: string;
}

const NO_LOG = "(none)";

/**
 * Checks every entry of pending files as CT monitors would (see `verifyCtEntry`), reading each of `paths`:
 * a directory's `*.json` files (what the uploader posts) or a file named directly. Fails only when a path
 * cannot be read or the quarantine directory cannot be made; bad files and entries are reported.
 */
export async function verifyPendingFiles(
  paths: readonly string[],
  options: VerifyPendingOptions = {},
): Promise<Result<PendingDirectoryReport, AppError>> {
  const files: string[] = [];
  const directories: string[] = [];
  for (const given of paths) {
    const listed = await listPath(given);
    if (!listed.ok) return listed;
    files.push(...listed.value.files);
    if (listed.value.directory) directories.push(given);
  }
  if (options.quarantineDir !== undefined) {
    const ready = await prepareQuarantine(options.quarantineDir, directories);
    if (!ready.ok) return ready;
  }

  const tally = new Tally();
  for (const file of files) await tally.readFile(file);

  const quarantined: QuarantinedFile[] = [];
  if (options.quarantineDir !== undefined) {
    for (const file of tally.badFiles) {
      const moved = await quarantineFile(file, options.quarantineDir);
      quarantined.push(
        moved.ok
          ? { file, movedTo: moved.value, error: null }
          : { file, movedTo: null, error: moved.error.message },
      );
    }
  }
  return ok(tally.report(files.length, quarantined));
}

/** {@link verifyPendingFiles} for one pending directory. */
export function verifyPendingDirectory(
  dir: string,
  options: VerifyPendingOptions = {},
): Promise<Result<PendingDirectoryReport, AppError>> {
  return verifyPendingFiles([dir], options);
}

class Tally {
  readonly byLog: Record<string, number> = {};
  readonly byEntryType: Record<CtEntryType, number> = { x509_entry: 0, precert_entry: 0 };
  readonly byShape: Record<EntrySourceShape, number> = {
    pending_file: 0,
    get_entries_response: 0,
    single_entry: 0,
    worker_failure_record: 0,
    worker_pending_upload: 0,
  };
  readonly problems: PendingEntryProblem[] = [];
  readonly checked: CheckedEntry[] = [];
  readonly badFiles: string[] = [];
  private readonly seen = new Map<string, { file: string; position: number }[]>();
  private unreadable = 0;

  async readFile(file: string): Promise<void> {
    const source = await readSource(file);
    if (!source.ok) {
      this.unreadable += 1;
      this.badFiles.push(file);
      this.problems.push({
        file,
        position: null,
        logName: null,
        kind: "file",
        message: source.error.message,
      });
      return;
    }
    this.byShape[source.value.shape] += 1;
    let bad = false;
    for (const entry of source.value.entries) {
      const { position, logName } = entry;
      const hash = entry.fields.ok ? leafHashOf(entry.fields.value.leafInput) : null;
      if (hash !== null) this.remember(hash, file, position);
      const verified = entry.fields.ok
        ? verifyCtEntryFields(entry.fields.value.leafInput, entry.fields.value.extraData)
        : entry.fields;
      if (!verified.ok) {
        bad = true;
        const check = verified.error.details?.["check"];
        const kind = typeof check === "string" ? (check as CtEntryCheck) : "row";
        this.problems.push({ file, position, logName, kind, message: verified.error.message });
        this.checked.push({ file, position, logName, entryType: null, leafHash: hash, good: false });
        continue;
      }
      const { entryType } = verified.value;
      this.byLog[logName ?? NO_LOG] = (this.byLog[logName ?? NO_LOG] ?? 0) + 1;
      this.byEntryType[entryType] += 1;
      this.checked.push({
        file,
        position,
        logName,
        entryType,
        leafHash: verified.value.leafHash,
        good: true,
      });
    }
    if (bad) this.badFiles.push(file);
  }

  report(files: number, quarantined: QuarantinedFile[]): PendingDirectoryReport {
    const duplicates = [...this.seen.entries()]
      .filter(([, occurrences]) => occurrences.length > 1)
      .map(([hash, occurrences]) => ({ leafHash: hash, occurrences }));
    const badEntries = this.checked.filter((entry) => !entry.good).length;
    return {
      files,
      unreadableFiles: this.unreadable,
      filesWithBadEntries: this.badFiles.length - this.unreadable,
      byShape: this.byShape,
      entries: this.checked.length,
      goodEntries: this.checked.length - badEntries,
      badEntries,
      duplicateEntries: duplicates.reduce((sum, d) => sum + d.occurrences.length - 1, 0),
      byLog: this.byLog,
      byEntryType: this.byEntryType,
      problems: this.problems,
      duplicates,
      checkedEntries: this.checked,
      quarantined,
    };
  }

  private remember(hash: string, file: string, position: number): void {
    const occurrences = this.seen.get(hash);
    if (occurrences === undefined) this.seen.set(hash, [{ file, position }]);
    else occurrences.push({ file, position });
  }
}

function leafHashOf(leafInput: string): string | null {
  const bytes = decodeBase64(leafInput, "leaf_input");
  return bytes.ok ? leafHash(bytes.value) : null;
}

async function readSource(file: string): Promise<Result<EntrySource, AppError>> {
  const text = await Result.fromPromise(
    () => readFile(file, "utf8"),
    (cause) => appError(ErrorCode.FILE_ERROR, `Cannot read ${file}.`, { cause }),
  );
  if (!text.ok) return text;
  const json = parseJsonFile(text.value);
  return json.ok ? readEntrySource(json.value) : json;
}

async function listPath(given: string): Promise<Result<{ files: string[]; directory: boolean }, AppError>> {
  const info = await Result.fromPromise(
    () => stat(given),
    (cause) => appError(ErrorCode.FILE_ERROR, `Cannot list the pending directory ${given}.`, { cause }),
  );
  if (!info.ok) return info;
  if (!info.value.isDirectory()) return ok({ files: [given], directory: false });
  const listing = await Result.fromPromise(
    () => readdir(given, { withFileTypes: true }),
    (cause) => appError(ErrorCode.FILE_ERROR, `Cannot list the pending directory ${given}.`, { cause }),
  );
  if (!listing.ok) return listing;
  const names = listing.value
    .filter((entry) => entry.isFile() && entry.name.endsWith(".json"))
    .map((entry) => entry.name)
    .sort();
  return ok({ files: names.map((name) => path.join(given, name)), directory: true });
}

async function prepareQuarantine(dir: string, verified: readonly string[]): Promise<Result<void, AppError>> {
  const made = await Result.fromPromise(
    () => mkdir(dir, { recursive: true }),
    (cause) => appError(ErrorCode.FILE_ERROR, `Cannot create the quarantine directory ${dir}.`, { cause }),
  );
  if (!made.ok) return made;
  const target = await realpath(dir);
  for (const directory of verified) {
    if ((await realpath(directory)) === target) {
      return err(
        appError(
          ErrorCode.VALIDATION_ERROR,
          `The quarantine directory ${dir} is the directory being verified: files moved there would still be posted.`,
        ),
      );
    }
  }
  return ok();
}
