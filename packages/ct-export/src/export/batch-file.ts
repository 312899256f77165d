import { databaseError } from "@certs/db";
import { err, ok, type AppError, type Result } from "@certs/result";
import type { ClaimedBatch, ExportableRow } from "../claimed-batch.js";
import type { DatabaseJournal } from "../journal/database-journal.js";
import { tempFileName, type ExportJournal, type JournalEntry } from "../journal/export-journal.js";
import { batchId, type JournalOwner } from "../journal/journal-owner.js";
import type { PendingFileEncoder } from "../pending-file-encoder.js";
import {
  writeJournaledPendingFile,
  writePendingFileContent,
  type WrittenPendingFile,
} from "../pending-file-writer.js";
import type { ExportCertsOptions } from "./export-options.js";
import type { RunState } from "./export-summary.js";
import type { StepRunner } from "./retry-budget.js";

/** A batch's file, published, and its journal entry (null in a dry run). */
export interface WrittenBatch {
  readonly file: WrittenPendingFile;
  readonly entry: Pick<JournalEntry, "batch" | "temp"> | null;
}

/** Where a batch is journaled: the output directory's temp files, and the database journal that decides. */
export interface BatchJournals {
  readonly files: ExportJournal;
  readonly database: DatabaseJournal;
  readonly owner: JournalOwner;
  readonly runStep: StepRunner;
}

/**
 * Writes one batch's pending file: in a dry run straight into the scratch directory, otherwise under a
 * database journal entry of its own, committed before the file is published while the claim still holds the
 * rows (`stillHeld` asks; the entry is what stops anyone exporting them again should this process die or its
 * delete fail). A batch that is not published is left in `state.abandoned`, so its entry, if recorded, is
 * forgotten. The rows are encoded at once and not kept: only their bytes and `ids` wait for the write.
 */
export function writeBatch(
  stillHeld: ClaimedBatch["stillHeld"],
  rows: readonly ExportableRow[],
  ids: readonly string[],
  outputDir: string,
  journals: BatchJournals | null,
  encoder: PendingFileEncoder,
  state: RunState,
  options: ExportCertsOptions,
): Promise<Result<WrittenBatch, AppError>> {
  const content = encoder.encode(rows);
  if (!content.ok) return Promise.resolve(content);
  return writeEncoded(stillHeld, content.value, ids, outputDir, journals, state, options);
}

async function writeEncoded(
  stillHeld: ClaimedBatch["stillHeld"],
  content: Uint8Array,
  ids: readonly string[],
  outputDir: string,
  journals: BatchJournals | null,
  state: RunState,
  options: ExportCertsOptions,
): Promise<Result<WrittenBatch, AppError>> {
  const naming = {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.random === undefined ? {} : { random: options.random }),
  };
  if (journals === null) {
    const file = await writePendingFileContent(outputDir, content, naming);
    return file.ok ? ok({ file: file.value, entry: null }) : file;
  }
  state.sequence += 1;
  const batch = batchId(journals.owner, state.sequence);
  const { place } = journals.database;
  const file = await writeJournaledPendingFile(
    content,
    {
      journal: journals.files,
      batch,
      record: (fileName) =>
        journals.runStep(() =>
          journals.database.record({ batch, ids, fileName, tempName: tempFileName(batch), ...place }),
        ),
      beforePublish: async () =>
        (await stillHeld())
          ? ok(undefined)
          : err(databaseError(new Error("connection lost before the batch's file was published"))),
    },
    naming,
  );
  if (!file.ok) {
    state.abandoned.push(batch);
    return file;
  }
  return ok({ file: file.value, entry: { batch, temp: tempFileName(batch) } });
}
