import type { Logger } from "@certs/db";
import type { AppError, Result } from "@certs/result";
import { tempFileName, type ExportJournal } from "../journal/export-journal.js";
import { skipRows, type RunState } from "./export-summary.js";

/**
 * Deletes the rows of published files whose delete failed earlier in the run, settling each one's journal
 * entry; rows that still cannot be deleted count as skipped and stay in the journal for the next run. Call it
 * only while the run holds no locks: our own next claim may have taken these rows (it leaves them out of its
 * file, but keeps them locked until it commits), and a delete waiting on it would never return.
 */
export async function retryUnfinishedDeletes(
  state: RunState,
  journal: ExportJournal | null,
  deleteRows: (ids: readonly string[], batch: string) => Promise<Result<number, AppError>>,
  logger: Logger,
): Promise<void> {
  const pending = state.pendingDeletes.splice(0);
  for (const { ids, entry } of pending) {
    const deleted = await deleteRows(ids, entry.batch);
    if (deleted.ok && journal !== null) {
      await journal.settle(entry).catch(() => undefined);
    } else {
      skipRows(
        state,
        ids.map((id) => ({
          id,
          reason: "delete_failed" as const,
          message: `Row id ${id} is in a published file but could not be deleted; the next run in this directory deletes it.`,
        })),
      );
      logger.warn(
        { ids },
        "the rows of a published file could not be deleted; they stay in the journal for the next run",
      );
    }
  }
}

/**
 * Forgets the database journal entries of batches whose file was not published (a failed write, or a claim
 * whose connection was lost before publishing), so their rows can be claimed again; those that cannot be
 * forgotten now are tried again later (or, after the run, by the next run in this directory).
 */
export async function forgetAbandoned(
  state: RunState,
  journal: ExportJournal,
  forget: (batch: string) => Promise<Result<void, AppError>>,
): Promise<void> {
  const abandoned = state.abandoned.splice(0);
  for (const batch of abandoned) {
    const forgotten = await forget(batch);
    if (forgotten.ok) {
      await journal.settle({ batch, temp: tempFileName(batch) }).catch(() => undefined);
    } else {
      state.abandoned.push(batch);
    }
  }
}
