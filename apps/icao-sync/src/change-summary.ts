import type { ChangeCounts, ChangedEntry, LastSyncChanges, StoreChanges } from "@certs/icao-sync";

const TABLES = ["root_ca", "dsc", "crls", "revoked_certificate_list"] as const;

/** `1 added, 2 removed, 1 replaced`, leaving out what is zero; `no change` when all are. */
function counted(counts: ChangeCounts): string {
  const parts = [
    counts.added > 0 ? `${counts.added} added` : "",
    counts.removed > 0 ? `${counts.removed} removed` : "",
    counts.replaced > 0 ? `${counts.replaced} replaced` : "",
  ].filter((part) => part !== "");
  return parts.length === 0 ? "no change" : parts.join(", ");
}

function entryLine(entry: ChangedEntry): string {
  const what = [
    entry.issuer ?? "(no issuer)",
    entry.serial === null ? "" : `serial ${entry.serial}`,
    entry.sha256 === null ? "" : `sha256 ${entry.sha256}`,
    entry.previousSha256 === undefined ? "" : `(was ${entry.previousSha256})`,
  ].filter((part) => part !== "");
  const sign = entry.change === "added" ? "+" : entry.change === "removed" ? "-" : "~";
  return `        ${sign} ${what.join(", ")}`;
}

/**
 * One line per table with the counts; with `countries`, a line per country under it, and with `entries`
 * the identities recorded for each (not for a first sync, where everything is new).
 */
export function changeLines(
  changes: StoreChanges,
  detail: { readonly countries: boolean; readonly entries: boolean },
): string[] {
  const lines = [
    changes.firstSync
      ? "changes: first sync into an empty store, everything added:"
      : "changes against the previous store:",
  ];
  for (const table of TABLES) {
    lines.push(`  ${table.padEnd(26)} ${counted(changes.tables[table])}`);
    if (!detail.countries) continue;
    for (const country of changes.countries.filter((c) => c.table === table)) {
      lines.push(`    ${(country.country ?? "(none)").padEnd(8)} ${counted(country)}`);
      if (!detail.entries || changes.firstSync) continue;
      for (const entry of country.entries) lines.push(entryLine(entry));
      const shown = country.entries.length;
      const total = country.added + country.removed + country.replaced;
      if (shown < total) lines.push(`        ... and ${total - shown} more`);
    }
  }
  return lines;
}

/** What `certs-icao-sync diff` prints: the last sync, then its changes per table, country and entry. */
export function formatLastSyncChanges(last: LastSyncChanges | null, database: string): string[] {
  if (last === null) {
    return [`No sync has succeeded in ${database} yet, so there are no changes to show; run a sync first.`];
  }
  const head = `Last sync ${last.syncId} (${last.status}) finished ${last.finishedAt}${last.source === null ? "" : ` from ${last.source}`}:`;
  if (last.status === "unchanged") {
    return [head, "no changes: the input equalled the sync before it, nothing was rewritten."];
  }
  if (last.changes === null) {
    return [head, "its changes were not recorded (the sync was made by an older certs-icao-sync)."];
  }
  return [head, ...changeLines(last.changes, { countries: true, entries: true })];
}
