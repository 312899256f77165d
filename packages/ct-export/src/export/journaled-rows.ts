import type { ClaimedBatch, ClaimedRow } from "../claimed-batch.js";
import type { DatabaseJournalEntry, JournalPlace } from "../journal/database-journal.js";
import type { RunState } from "./export-summary.js";
import type { SkippedRow } from "./skipped-rows.js";

/**
 * Drops claimed rows that an open journal entry covers (a file that was, or may have been, published and
 * whose rows were not deleted): exporting them again would duplicate them. An entry of this output directory
 * blocks its rows until it is settled here (by its own live run, or by reconciling an ended one); an entry of
 * another directory holds its rows back for the rest of the run, named with their owner. The entries were
 * read in the claim's transaction, while its locks were held.
 */
export function withoutJournaledRows(
  batch: ClaimedBatch,
  place: JournalPlace,
  state: RunState,
): { rows: ClaimedRow[]; heldBack: SkippedRow[] } {
  const covering = new Map<string, DatabaseJournalEntry>();
  const asked = new Set([...batch.ids, ...batch.recheckedIds]);
  for (const entry of batch.journalEntries) {
    for (const id of entry.ids) if (asked.has(id)) covering.set(id, entry);
  }
  // Only the ids asked about may be unblocked: a batch in flight may block more meanwhile.
  for (const id of batch.recheckedIds) if (!covering.has(id)) state.blockedIds.delete(id);
  if (covering.size === 0) return { rows: [...batch.rows], heldBack: [] };
  const rows: ClaimedRow[] = [];
  const heldBack: SkippedRow[] = [];
  for (const row of batch.rows) {
    const entry = covering.get(row.id);
    if (entry === undefined) {
      rows.push(row);
    } else if (entry.host === place.host && entry.directory === place.directory) {
      state.blockedIds.add(row.id);
    } else {
      heldBack.push({
        id: row.id,
        reason: "held_back",
        message: `Row id ${row.id} is in journal entry ${entry.batch} of ${entry.host}:${entry.directory}; that directory's next run (or certs-ct-export reconcile --output ${entry.directory} on ${entry.host}) settles it.`,
        owner: { host: entry.host, directory: entry.directory, batch: entry.batch },
      });
    }
  }
  return { rows, heldBack };
}
