import { ok, type AppError, type Result } from "@certs/result";
import type { ExportableRow } from "../claimed-batch.js";
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

/** A batch's file, published, and its journal entry (null in a dry run). */
export interface WrittenBatch {
  readonly file: WrittenPendingFile;
  readonly entry: Pick<JournalEntry, "batch" | "temp"> | null;
}

/**
 * Writes one batch's pending file: in a dry run straight into the scratch directory, otherwise under a
 * journal entry of its own (the entry is what lets a later run finish the batch should this process die).
 */
export async function writeBatch(
  rows: readonly ExportableRow[],
  outputDir: string,
  journal: ExportJournal | null,
  owner: JournalOwner,
  encoder: PendingFileEncoder,
  state: RunState,
  options: ExportCertsOptions,
): Promise<Result<WrittenBatch, AppError>> {
  const naming = {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.random === undefined ? {} : { random: options.random }),
  };
  const content = encoder.encode(rows);
  if (!content.ok) return content;
  if (journal === null) {
    const file = await writePendingFileContent(outputDir, content.value, naming);
    return file.ok ? ok({ file: file.value, entry: null }) : file;
  }
  state.sequence += 1;
  const batch = batchId(owner, state.sequence);
  const ids = rows.map((row) => row.id);
  const file = await writeJournaledPendingFile(content.value, { journal, owner, batch, ids }, naming);
  if (!file.ok) return file;
  return ok({ file: file.value, entry: { batch, temp: tempFileName(batch) } });
}
