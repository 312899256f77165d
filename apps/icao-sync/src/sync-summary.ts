import type { SyncOutcome, TableCounts, VerificationReport } from "@certs/icao-sync";
import { changeLines } from "./change-summary.js";
import { escapeOutputLines } from "./terminal-text.js";

const TABLES = ["root_ca", "dsc", "crls", "revoked_certificate_list"] as const;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** `  root_ca    559` lines, one per table. */
export function countLines(counts: TableCounts): string[] {
  return TABLES.map((table) => `  ${table.padEnd(26)} ${String(counts[table]).padStart(7)}`);
}

/** How many refusals the text output lists; `--json` has the first 100 of each kind. */
const REFUSED_SHOWN = 10;

/** One line each for the DSC, nested-list and CRL counts, then what was refused and why. */
export function admissionLines(report: VerificationReport): string[] {
  const d = report.dscs;
  const c = report.crls;
  const n = report.nestedLists;
  const lines = [
    `DSCs: ${d.verified} verified, ${d.unverifiable} unverifiable, ${d.invalid} invalid, ${d.nonConformant} non-conformant (003), ${d.barCodeSigners} bar code signers (not DSCs)`,
    `nested master lists: ${n.verified} verified, ${n.untrusted} untrusted`,
    `CRLs: ${c.verified} verified, ${c.invalid} refused, ${c.stale} stale, ${c.rolledBack} rolled back`,
  ];
  for (const list of report.deviationLists) {
    lines.push(
      `deviation list ${list.source}: ${list.deviations} deviations (${list.rows} rows), signature ${list.signature.replace("_", " ")}${list.signer === null ? "" : `; signer ${list.signer}`}${list.csca === null ? "" : ` under ${list.csca}`}`,
    );
  }
  if (report.refused.length > 0) {
    lines.push(`refused (not stored), ${report.refused.length} listed:`);
    for (const r of report.refused.slice(0, REFUSED_SHOWN)) {
      const what =
        r.kind === "crl" ? "CRL of" : r.kind === "dsc" ? `DSC (${r.status ?? "refused"})` : "master list of";
      lines.push(`  ${r.source}: ${what} ${r.subject}: ${r.reason}`);
    }
    if (report.refused.length > REFUSED_SHOWN) {
      lines.push(`  ... and ${report.refused.length - REFUSED_SHOWN} more (--json lists them)`);
    }
  }
  return lines;
}

/** One line per master list: what was verified, by whom it was signed and when; then the admission counts. */
export function verificationLines(report: VerificationReport): string[] {
  if (report.lists.length === 0) {
    return ["verification: no master list among the sources", ...admissionLines(report)];
  }
  const lines = [
    report.enabled ? "verification:" : "verification: OFF (--no-verify): signatures and chains not checked",
  ];
  for (const list of report.lists) {
    const signer = list.signers[0];
    const signedBy =
      signer === undefined
        ? ""
        : `; signer ${signer.subject}${signer.signingTime === null ? "" : `, signed ${signer.signingTime}`}`;
    const chain =
      list.chain === "verified"
        ? "chain verified"
        : `chain not checked${signer?.chainNote ? ` (${signer.chainNote})` : ""}`;
    const trust = list.trust === undefined ? "" : `, ${list.trust}`;
    lines.push(
      `  ${list.source}: ${list.certificates} certificates, structure ${list.structure}, signature ${list.signature.replace("_", " ")}, ${chain}${trust}${signedBy}`,
    );
  }
  return [...lines, ...admissionLines(report)];
}

/** The summary `run` prints on stdout, control characters in names escaped; `countries`: changes per country too. */
export function formatSyncSummary(
  outcome: SyncOutcome,
  detail: { readonly countries?: boolean } = {},
): string {
  const head =
    outcome.status === "replaced"
      ? `Trust store replaced in ${seconds(outcome.timings.totalMs)} (sync ${outcome.syncId}):`
      : outcome.status === "unchanged" && outcome.notModified
        ? `Trust store unchanged (304): every source answered Not Modified, nothing parsed or written (${seconds(outcome.timings.totalMs)}):`
        : outcome.status === "unchanged"
          ? `Trust store unchanged: the input equals the last successful sync's, nothing rewritten (skipped, ${seconds(outcome.timings.totalMs)}):`
          : `Dry run: nothing written; the sources would store (${seconds(outcome.timings.totalMs)}):`;
  const t = outcome.timings;
  return escapeOutputLines([
    head,
    ...countLines(outcome.counts),
    ...(outcome.changes === null || outcome.status !== "replaced"
      ? []
      : changeLines(outcome.changes, { countries: detail.countries === true, entries: false })),
    ...verificationLines(outcome.verification),
    `time: load ${seconds(t.loadMs)}, parse and verify ${seconds(t.parseMs)}, rows ${seconds(t.buildMs)}, store ${seconds(t.storeMs)}`,
  ]);
}
