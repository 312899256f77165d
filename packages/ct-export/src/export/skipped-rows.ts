import type { ClaimedRow, ExportableRow } from "../claimed-batch.js";
import { ctIndexDigits } from "../pending-file-format.js";

/** Why a run left a row in the table. */
export type SkipReason =
  /** A value did not arrive whole (MariaDB: longer than `max_allowed_packet`): never written, never deleted. */
  | "unreadable_value"
  /** `ct_index` is NULL or not an exact integer: the file would not say which entry of the log it is. */
  | "inexact_ct_index"
  /** Written to a published file, but the delete kept failing: the next run in that directory deletes it. */
  | "delete_failed"
  /** Covered by a journal entry of another output directory: left for that owner (or `reconcile`). */
  | "held_back";

/** The output directory (on its host) whose journal entry holds a row back. */
export interface JournalOwnerDirectory {
  readonly host: string;
  readonly directory: string;
  readonly batch: string;
}

/** A row the run left in the table, named by its id, and why. */
export interface SkippedRow {
  readonly id: string;
  readonly reason: SkipReason;
  /** One sentence an operator can act on. */
  readonly message: string;
  /** For `held_back`: who owns the entry. */
  readonly owner?: JournalOwnerDirectory;
}

/**
 * Splits claimed rows into those that can be written as they are and those that cannot (a NULL or inexact
 * ct_index, a value that did not arrive whole), each named by its id.
 */
export function partitionExportable(rows: readonly ClaimedRow[]): {
  exportable: ExportableRow[];
  skipped: SkippedRow[];
} {
  const exportable: ExportableRow[] = [];
  const skipped: SkippedRow[] = [];
  for (const row of rows) {
    if (row.unreadable !== null) {
      skipped.push({
        id: row.id,
        reason: "unreadable_value",
        message: `Row id ${row.id}: ${row.unreadable} could not be read whole (longer than the server's max_allowed_packet?); the row stays in the table.`,
      });
      continue;
    }
    const ctIndex = row.ct_index;
    if (ctIndex === null || ctIndexDigits(ctIndex) === null) {
      skipped.push({
        id: row.id,
        reason: "inexact_ct_index",
        message: `Row id ${row.id} has ct_index ${ctIndex ?? "NULL"}, which is not an exact integer; the row stays in the table.`,
      });
      continue;
    }
    exportable.push({ ...row, ct_index: ctIndex });
  }
  return { exportable, skipped };
}
