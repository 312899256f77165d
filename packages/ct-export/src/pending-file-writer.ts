import { randomBytes } from "node:crypto";
import { link, unlink } from "node:fs/promises";
import path from "node:path";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { errorCode, fsyncDirectory, writeNewFileDurably } from "./durable-file.js";
import { describeFileError } from "./export/directory-error.js";
import { tempFileName, type ExportJournal } from "./journal/export-journal.js";
import {
  formatPendingFile,
  pendingFileName,
  pendingFileSuffix,
  type PendingRow,
} from "./pending-file-format.js";

/** Injectable clock and randomness for file names, and how hard to look for a free name. */
export interface WritePendingFileOptions {
  /** The export time, formatted in local time. Default: `() => new Date()`. */
  readonly clock?: () => Date;
  /** A number in [0, 1) for the four-digit suffix. Default: `Math.random`. */
  readonly random?: () => number;
  /** Names to try when the chosen one exists. Default 100. */
  readonly maxNameAttempts?: number;
}

/** A published pending file. */
export interface WrittenPendingFile {
  readonly fileName: string;
  readonly path: string;
  readonly bytes: number;
}

/** What the exporter needs besides the content: the output directory's journal, and the batch's record. */
export interface JournaledBatch {
  readonly journal: ExportJournal;
  readonly batch: string;
  /** Records the batch (under the file name it is first meant for) in the database journal, committed. */
  record(fileName: string): Promise<Result<void, AppError>>;
  /** Asked once recorded, before publishing: an error stops the publishing (the claim's locks are gone). */
  beforePublish(): Promise<Result<void, AppError>>;
}

/**
 * Writes rows to a new `upload_failure_YYYYMMDD_HHMMSS_XXXX.json` in `outputDir`, atomically and durably:
 * a hidden temp file is written and fsynced, then hard-linked to the final name (which fails instead of
 * overwriting, so a taken name makes it draw another suffix), the directory fsynced and the temp removed.
 * Any failure is a FILE_ERROR (or DATA_ERROR for a bad ct_index) and leaves no file behind.
 */
export async function writePendingFile(
  outputDir: string,
  rows: readonly PendingRow[],
  options: WritePendingFileOptions = {},
): Promise<Result<WrittenPendingFile, AppError>> {
  const content = formatPendingFile(rows);
  if (!content.ok) return content;
  return writePendingFileContent(outputDir, content.value, options);
}

/** `writePendingFile` for content already formatted (text, or its UTF-8 bytes). */
export async function writePendingFileContent(
  outputDir: string,
  content: string | Uint8Array,
  options: WritePendingFileOptions = {},
): Promise<Result<WrittenPendingFile, AppError>> {
  const temp = tempFileName(`standalone~${randomBytes(8).toString("hex")}`);
  const written = await publishContent(outputDir, content, temp, options);
  if (written.ok) await unlink(path.join(outputDir, temp)).catch(() => undefined);
  return written;
}

/**
 * The exporter's variant: writes the temp file and records the batch in the database journal at the same
 * time, and links the final name only once both are done and `beforePublish` agrees; the temp file is kept,
 * its link count later proving the file was published. On failure the temp file is removed (the caller
 * forgets the database entry), so nothing is published.
 */
export async function writeJournaledPendingFile(
  content: Uint8Array,
  batch: JournaledBatch,
  options: WritePendingFileOptions = {},
): Promise<Result<WrittenPendingFile, AppError>> {
  const { journal } = batch;
  const outputDir = journal.outputDir;
  const temp = tempFileName(batch.batch);
  const tempPath = path.join(outputDir, temp);
  const names = fileNames(options);
  const first = names.next();
  const settle = () => journal.settle({ batch: batch.batch, temp }).catch(() => undefined);
  const [wrote, recorded] = await Promise.all([
    writeNewFileDurably(tempPath, content).then(
      () => ok(undefined),
      (error: unknown) => err(fileError(`Cannot write a temporary file in ${outputDir}`, error)),
    ),
    batch.record(first),
  ]);
  const failure = !wrote.ok ? wrote : !recorded.ok ? recorded : undefined;
  if (failure !== undefined) {
    await settle();
    return failure;
  }
  const held = await batch.beforePublish();
  if (!held.ok) {
    await settle();
    return held;
  }
  const linked = await linkUnderFreeName(tempPath, outputDir, first, names, () => journal.syncOutputDir());
  if (!linked.ok) await settle();
  return linked.ok ? ok({ ...linked.value, bytes: content.byteLength }) : linked;
}

async function publishContent(
  outputDir: string,
  content: string | Uint8Array,
  temp: string,
  options: WritePendingFileOptions,
): Promise<Result<WrittenPendingFile, AppError>> {
  const tempPath = path.join(outputDir, temp);
  const bytes = typeof content === "string" ? Buffer.byteLength(content, "utf8") : content.byteLength;
  try {
    await writeNewFileDurably(tempPath, content);
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    return err(fileError(`Cannot write a temporary file in ${outputDir}`, error));
  }
  const names = fileNames(options);
  const linked = await linkUnderFreeName(tempPath, outputDir, names.next(), names, () =>
    fsyncDirectory(outputDir),
  );
  if (!linked.ok) await unlink(tempPath).catch(() => undefined);
  return linked.ok ? ok({ ...linked.value, bytes }) : linked;
}

/** Candidate file names: the current time and a random suffix, and how many may be tried. */
interface FileNames {
  next(): string;
  readonly attempts: number;
}

function fileNames(options: WritePendingFileOptions): FileNames {
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  return {
    next: () => pendingFileName(clock(), pendingFileSuffix(random)),
    attempts: options.maxNameAttempts ?? 100,
  };
}

/**
 * Hard-links the finished temp file to `first`, or to further names while the name is taken (a link never
 * overwrites), then syncs the directory. The temp file stays.
 */
async function linkUnderFreeName(
  tempPath: string,
  outputDir: string,
  first: string,
  names: FileNames,
  syncDirectory: () => Promise<void>,
): Promise<Result<Omit<WrittenPendingFile, "bytes">, AppError>> {
  let fileName = first;
  for (let attempt = 1; attempt <= names.attempts; attempt += 1) {
    if (attempt > 1) fileName = names.next();
    const finalPath = path.join(outputDir, fileName);
    try {
      await link(tempPath, finalPath);
    } catch (error) {
      if (errorCode(error) === "EEXIST") continue;
      return err(fileError(`Cannot publish ${fileName} in ${outputDir}`, error));
    }
    try {
      await syncDirectory();
    } catch {
      // The file is visible already and cannot be taken back safely; an fsync failure here is left to the disk.
    }
    return ok({ fileName, path: finalPath });
  }
  return err(
    appError(
      ErrorCode.FILE_ERROR,
      `Found no free file name in ${outputDir} after ${names.attempts} attempts.`,
      {
        details: { outputDir },
      },
    ),
  );
}

function fileError(what: string, cause: unknown): AppError {
  return appError(ErrorCode.FILE_ERROR, `${what}: ${describeFileError(cause)}.`, {
    cause,
    details: { errno: errorCode(cause) },
  });
}
