import { randomBytes } from "node:crypto";
import { link, unlink } from "node:fs/promises";
import path from "node:path";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { errorCode, fsyncDirectory, writeNewFileDurably } from "./durable-file.js";
import { tempFileName, type ExportJournal, type JournalEntry } from "./export-journal.js";
import type { JournalOwner } from "./journal-owner.js";
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

/** What the exporter needs besides the content: the journal, and the batch the file carries. */
export interface JournaledBatch {
  readonly journal: ExportJournal;
  readonly owner: JournalOwner;
  readonly batch: string;
  readonly ids: readonly string[];
}

/**
 * Writes rows to a new `upload_failure_YYYYMMDD_HHMMSS_XXXX.json` in `outputDir`, atomically and durably:
 * a hidden temp file is written and fsynced, then hard-linked to the final name (which fails instead of
 * overwriting, so a taken name makes it draw another suffix), the directory fsynced and the temp removed.
 * Any failure is a FILE_ERROR (or VALIDATION_ERROR for a bad ct_index) and leaves no file behind.
 */
export async function writePendingFile(
  outputDir: string,
  rows: readonly PendingRow[],
  options: WritePendingFileOptions = {},
): Promise<Result<WrittenPendingFile, AppError>> {
  const content = formatPendingFile(rows);
  if (!content.ok) return content;
  const temp = tempFileName(`standalone~${randomBytes(8).toString("hex")}`);
  const written = await publishContent(outputDir, content.value, temp, async () => undefined, options);
  if (written.ok) await unlink(path.join(outputDir, temp)).catch(() => undefined);
  return written;
}

/**
 * The exporter's variant: records a journal entry (ids, temp name, intended final name) durably before
 * each link attempt, and keeps the temp file, whose link count later proves the file was published.
 * On failure the temp file and the entry are removed.
 */
export async function writeJournaledPendingFile(
  content: string,
  batch: JournaledBatch,
  options: WritePendingFileOptions = {},
): Promise<Result<WrittenPendingFile, AppError>> {
  const { journal } = batch;
  const temp = tempFileName(batch.batch);
  const beforeLink = async (fileName: string): Promise<void> => {
    const entry: JournalEntry = {
      version: 1,
      batch: batch.batch,
      owner: batch.owner,
      temp,
      file: fileName,
      ids: batch.ids,
    };
    await journal.record(entry);
  };
  const written = await publishContent(journal.outputDir, content, temp, beforeLink, options);
  if (!written.ok) {
    await journal.remove({ batch: batch.batch, temp }).catch(() => undefined);
  }
  return written;
}

async function publishContent(
  outputDir: string,
  content: string,
  temp: string,
  beforeLink: (fileName: string) => Promise<void>,
  options: WritePendingFileOptions,
): Promise<Result<WrittenPendingFile, AppError>> {
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const attempts = options.maxNameAttempts ?? 100;
  const tempPath = path.join(outputDir, temp);
  const bytes = Buffer.byteLength(content, "utf8");

  try {
    await writeNewFileDurably(tempPath, content);
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    return err(fileError(`Cannot write a temporary file in ${outputDir}`, error));
  }

  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const fileName = pendingFileName(clock(), pendingFileSuffix(random));
    const finalPath = path.join(outputDir, fileName);
    try {
      await beforeLink(fileName);
      await link(tempPath, finalPath);
    } catch (error) {
      if (errorCode(error) === "EEXIST") continue;
      await unlink(tempPath).catch(() => undefined);
      return err(fileError(`Cannot publish ${fileName} in ${outputDir}`, error));
    }
    try {
      await fsyncDirectory(outputDir);
    } catch {
      // The file is visible already and cannot be taken back safely; an fsync failure here is left to the disk.
    }
    return ok({ fileName, path: finalPath, bytes });
  }
  await unlink(tempPath).catch(() => undefined);
  return err(
    appError(ErrorCode.FILE_ERROR, `Found no free file name in ${outputDir} after ${attempts} attempts.`, {
      details: { outputDir },
    }),
  );
}

function fileError(what: string, cause: unknown): AppError {
  const code = errorCode(cause);
  const reason = code === undefined ? (cause instanceof Error ? cause.message : String(cause)) : code;
  return appError(ErrorCode.FILE_ERROR, `${what}: ${reason}.`, { cause, details: { errno: code } });
}
