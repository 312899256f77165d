import { ExitCode, runJob } from "@certs/app-kit";
import { type InspectReport, inspectSources, type SyncInput } from "@certs/icao-sync";
import { appError, err, ErrorCode, ok } from "@certs/result";
import { withCommandLineHint } from "./command-line-hint.js";
import { inspectSettings } from "./settings.js";
import { countLines, verificationLines } from "./sync-summary.js";
import { escapeControlCharacters, escapeOutputLines, terminalJson } from "./terminal-text.js";

/** Sorts the positional files by what their names say: `.ldif`, `.crl`, anything else a master list. */
export function classifyFiles(
  files: readonly string[],
  extra: { ldif: string[]; crl: string[]; deviationList: string[]; csca: string[] },
): SyncInput {
  const byExtension = (pattern: RegExp) => files.filter((file) => pattern.test(file));
  return {
    masterLists: files.filter((file) => !/\.(ldif|crl|dvl)$/i.test(file)),
    ldif: [...byExtension(/\.ldif$/i), ...extra.ldif],
    crls: [...byExtension(/\.crl$/i), ...extra.crl],
    deviationLists: [...byExtension(/\.dvl$/i), ...extra.deviationList],
    cscas: extra.csca,
  };
}

function table(header: readonly string[], cellRows: readonly (readonly string[])[]): string[] {
  // Escaped before measuring, so the columns line up with what is printed.
  const rows = cellRows.map((row) => row.map(escapeControlCharacters));
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")}`;
  return [line(header), ...rows.map(line)];
}

/** The documents a deviation row names, in a few words. */
function deviationTarget(row: InspectReport["deviation_list"][number]): string {
  const parts: string[] = [];
  if (row.dsc_isn !== null) parts.push(`DSC ${row.dsc_isn} of ${row.dsc_issuer ?? "?"}`);
  if (row.dsc_subject_key_identifier !== null) parts.push(`DSC with SKI ${row.dsc_subject_key_identifier}`);
  if (row.dsc_certificate_digest !== null) parts.push(`DSC with digest ${row.dsc_certificate_digest}`);
  if (row.document_type !== null) parts.push(`type ${row.document_type}`);
  if (row.issued_from !== null)
    parts.push(`issued ${row.issued_from.slice(0, 10)}..${(row.issued_to ?? "").slice(0, 10)}`);
  if (row.document_numbers !== null) parts.push(`numbers ${row.document_numbers.join(" ")}`);
  return parts.join(", ");
}

/** What `inspect` prints without `--json`: one table per database table, then the verification. */
export function formatInspectReport(report: InspectReport): string {
  const lines: string[] = ["rows that would be stored:"];
  lines.push(
    ...countLines({
      root_ca: report.root_ca.length,
      dsc: report.dsc.length,
      crls: report.crls.length,
      revoked_certificate_list: report.revoked_certificate_list.length,
    }),
  );
  for (const name of ["root_ca", "dsc"] as const) {
    if (report[name].length === 0) continue;
    lines.push("", `${name}:`);
    lines.push(
      ...table(
        ["isn", "subject_key_identifier", "authority_key_identifier", "issuer"],
        report[name].map((r) => [
          r.isn,
          r.subject_key_identifier ?? "-",
          r.authority_key_identifier ?? "-",
          r.issuer,
        ]),
      ),
    );
  }
  if (report.crls.length > 0) {
    const revokedPerCrl = new Map<string, number>();
    for (const entry of report.revoked_certificate_list) {
      revokedPerCrl.set(entry.crl, (revokedPerCrl.get(entry.crl) ?? 0) + 1);
    }
    lines.push("", "crls:");
    lines.push(
      ...table(
        ["country", "revoked", "issuer"],
        report.crls.map((r) => [r.country ?? "-", String(revokedPerCrl.get(r.id) ?? 0), r.issuer]),
      ),
    );
  }
  if (report.revoked_certificate_list.length > 0) {
    lines.push("", "revoked_certificate_list:");
    lines.push(
      ...table(
        ["country", "isn", "revocation_date", "revocation_reason"],
        report.revoked_certificate_list.map((r) => [
          r.country ?? "-",
          r.isn,
          r.revocation_date,
          r.revocation_reason ?? "-",
        ]),
      ),
    );
  }
  if (report.deviation_list.length > 0) {
    lines.push("", "deviation_list:");
    lines.push(
      ...table(
        ["deviation_type", "affects", "source"],
        report.deviation_list.map((r) => [r.deviation_type, deviationTarget(r), r.source]),
      ),
    );
  }
  lines.push("", ...verificationLines(report.verification));
  return escapeOutputLines(lines);
}

/** `certs-icao-sync inspect <file>...`: returns the exit code. */
export async function runInspect(
  files: readonly string[],
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  return runJob(inspectSettings(flags, env), async (options, { logger }) => {
    const input = classifyFiles(files, options);
    const named = [input.masterLists, input.ldif, input.crls, input.deviationLists].map(
      (l) => l?.length ?? 0,
    );
    if (named.reduce((a, b) => a + b, 0) === 0) {
      return err(
        appError(
          ErrorCode.CONFIGURATION_ERROR,
          "inspect: name at least one file (a master list, .ldif, .crl or .dvl).",
        ),
      );
    }
    const report = await inspectSources(
      { ...input, trustAnchors: options.trustAnchor },
      {
        verify: options.verify,
        keepUnverifiableDsc: options.keepUnverifiableDsc,
        excludeNonConformant: options.excludeNonConformant,
        logger,
        ...(options.maxBytes === undefined ? {} : { download: { maxBytes: options.maxBytes } }),
        ...(options.sourceLabel === undefined ? {} : { sourceLabel: options.sourceLabel }),
      },
    );
    if (!report.ok) return err(withCommandLineHint(report.error));
    process.stdout.write(
      options.json ? `${terminalJson(report.value)}\n` : `${formatInspectReport(report.value)}\n`,
    );
    return ok(ExitCode.OK);
  });
}
