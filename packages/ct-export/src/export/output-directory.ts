import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { errorCode } from "../durable-file.js";
import { ExportJournal } from "../journal/export-journal.js";
import { describeFileError, directoryCreationError } from "./directory-error.js";

/** A dry run's directory: `scratchDir` (created if missing) or a new temp directory. */
export async function prepareScratchDir(scratchDir: string | undefined): Promise<Result<string, AppError>> {
  try {
    if (scratchDir !== undefined) {
      await mkdir(scratchDir, { recursive: true });
      return ok(scratchDir);
    }
    return ok(await mkdtemp(path.join(tmpdir(), "ct-export-dry-run-")));
  } catch (error) {
    return err(
      appError(ErrorCode.FILE_ERROR, "Cannot create the dry run's scratch directory.", { cause: error }),
    );
  }
}

/** Creates `outputDir` if missing and opens its journal (none in a dry run, which deletes nothing). */
export async function openOutputJournal(
  outputDir: string,
  dryRun: boolean,
): Promise<Result<ExportJournal | null, AppError>> {
  try {
    await mkdir(outputDir, { recursive: true });
    return ok(dryRun ? null : await ExportJournal.open(outputDir));
  } catch (thrown) {
    const error = await directoryCreationError(outputDir, thrown);
    return err(
      appError(
        ErrorCode.FILE_ERROR,
        `Cannot prepare the output directory ${outputDir}: ${describeFileError(error)}.`,
        { cause: error, details: { errno: errorCode(error) } },
      ),
    );
  }
}
