import { ok, type Result } from "@certs/result";
import type { Ledger } from "./ledger.js";
import type { LegacyCertificate, LegacyCertificateReader, LegacySelection } from "./legacy-certificates.js";

/** Which legacy records a run (or a verification) goes through. */
export interface RecordSelection {
  /** Only this ECU (trimmed, case-insensitive, as the device lookup). */
  readonly ecu?: string;
  /** Only these legacy ids. */
  readonly ids?: readonly number[];
  /** Only records whose last attempt failed (recorded in the destination). */
  readonly retryFailed?: boolean;
}

/** Id pages for the `ids` and `retryFailed` selections; undefined for a plain scan. */
function idPages(
  ledger: Ledger,
  selection: RecordSelection,
  pageSize: number,
): AsyncGenerator<Result<number[]>> | undefined {
  if (selection.ids !== undefined) {
    const ids = [...new Set(selection.ids)].sort((a, b) => a - b);
    return (async function* (): AsyncGenerator<Result<number[]>> {
      for (let start = 0; start < ids.length; start += pageSize) yield ok(ids.slice(start, start + pageSize));
    })();
  }
  if (selection.retryFailed === true) {
    return (async function* (): AsyncGenerator<Result<number[]>> {
      let after = -1;
      for (;;) {
        const page = await ledger.failedIdPage(after, pageSize);
        if (!page.ok) {
          yield page;
          return;
        }
        const last = page.value.at(-1);
        if (last === undefined) return;
        yield page;
        after = last;
      }
    })();
  }
  return undefined;
}

/**
 * The selected legacy records, a page at a time in id order. Keyset paging (`id > last`), so memory stays
 * bounded and a record is never read twice; an error ends the pages.
 */
export async function* selectedRecordPages(
  reader: LegacyCertificateReader,
  ledger: Ledger,
  selection: RecordSelection,
  pageSize: number,
): AsyncGenerator<Result<LegacyCertificate[]>> {
  const filter: LegacySelection = selection.ecu === undefined ? {} : { ecu: selection.ecu };
  const pages = idPages(ledger, selection, pageSize);
  if (pages === undefined) {
    let after = -1;
    for (;;) {
      const page = await reader.page(after, pageSize, filter);
      if (!page.ok) {
        yield page;
        return;
      }
      const last = page.value.at(-1);
      if (last === undefined) return;
      yield page;
      after = last.id;
    }
  }
  for await (const ids of pages) {
    if (!ids.ok) {
      yield ids;
      return;
    }
    const page = await reader.page(-1, ids.value.length, { ...filter, ids: ids.value });
    if (!page.ok) {
      yield page;
      return;
    }
    if (page.value.length > 0) yield page;
  }
}
