import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { ClaimedBatch } from "../claimed-batch.js";
import type { ExportJournal } from "../journal/export-journal.js";
import type { RunState } from "./export-summary.js";

/**
 * Drops claimed rows that some journal entry already covers (a published file whose delete has not happened
 * yet): exporting them again would duplicate them. Checked after the claim, when these rows are locked by us,
 * so no entry for them can appear any more.
 */
export async function withoutJournaledRows(
  batch: ClaimedBatch,
  journal: ExportJournal,
  state: RunState,
): Promise<Result<ClaimedBatch["rows"], AppError>> {
  let covered: Set<string>;
  // Only the ids asked about may be unblocked below: a batch in flight may block more meanwhile.
  const blocked = [...state.blockedIds];
  try {
    covered = await journal.coveredIds([...batch.ids, ...blocked]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return err(
      appError(ErrorCode.FILE_ERROR, `Cannot read the export journal: ${reason}.`, { cause: error }),
    );
  }
  for (const id of blocked) if (!covered.has(id)) state.blockedIds.delete(id);
  if (covered.size === 0) return ok(batch.rows);
  return ok(
    batch.rows.filter((row) => {
      if (!covered.has(row.id)) return true;
      state.blockedIds.add(row.id);
      return false;
    }),
  );
}
