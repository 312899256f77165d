import { realpath } from "node:fs/promises";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { JournalPlace } from "./database-journal.js";
import { hostTag } from "./journal-owner.js";

/** This host and the output directory's real path: whose journal entries a run may settle itself. */
export async function journalPlace(outputDir: string): Promise<Result<JournalPlace, AppError>> {
  try {
    return ok({ host: hostTag(), directory: await realpath(outputDir) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return err(
      appError(ErrorCode.FILE_ERROR, `Cannot resolve the output directory ${outputDir}: ${reason}.`, {
        cause: error,
      }),
    );
  }
}
