import { ExitCode, exitCodeFor, formatFailure } from "@certs/app-kit";
import { verifyPendingFiles, type PendingDirectoryReport } from "@certs/ct-export";
import { appError, ErrorCode } from "@certs/result";

/** What `certs-ct-export verify` was asked. */
export interface VerifyFlags {
  readonly json: boolean;
  /** Directory to move files with bad entries into, out of the uploader's sight. */
  readonly quarantine?: string;
}

/** `certs-ct-export verify <paths...>`: returns the exit code. */
export async function runVerify(paths: readonly string[], flags: VerifyFlags): Promise<number> {
  const report = await verifyPendingFiles(
    paths,
    flags.quarantine === undefined ? {} : { quarantineDir: flags.quarantine },
  );
  if (!report.ok) {
    // The paths and the quarantine directory are the command's arguments: one that cannot be used is bad usage.
    const error = appError(ErrorCode.CONFIGURATION_ERROR, `verify: ${report.error.message}`, {
      cause: report.error.cause,
    });
    process.stderr.write(`${formatFailure(error)}\n`);
    return exitCodeFor(error);
  }
  const value = report.value;
  process.stdout.write(flags.json ? `${JSON.stringify(value)}\n` : `${summaryLines(value).join("\n")}\n`);
  const clean = value.badEntries === 0 && value.unreadableFiles === 0;
  return clean ? ExitCode.OK : ExitCode.FAILED;
}

function summaryLines(report: PendingDirectoryReport): string[] {
  const lines = [
    `${report.files} files (${report.unreadableFiles} unreadable, ${report.filesWithBadEntries} with bad entries), ` +
      `${report.entries} entries (${report.goodEntries} good, ${report.badEntries} bad), ` +
      `${report.duplicateEntries} duplicate entries`,
  ];
  lines.push("by entry type:");
  for (const [type, count] of Object.entries(report.byEntryType)) lines.push(`  ${type.padEnd(20)} ${count}`);
  lines.push("by log:");
  for (const [log, count] of Object.entries(report.byLog).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${log.padEnd(20)} ${count}`);
  }
  for (const problem of report.problems) {
    const where = problem.position === null ? problem.file : `${problem.file}[${problem.position}]`;
    lines.push(`bad: ${where}: ${problem.kind}: ${problem.message}`);
  }
  for (const duplicate of report.duplicates) {
    const places = duplicate.occurrences.map((o) => `${o.file}[${o.position}]`).join(", ");
    lines.push(`duplicate: leaf hash ${duplicate.leafHash} in ${places}`);
  }
  for (const moved of report.quarantined) {
    lines.push(
      moved.movedTo === null
        ? `not quarantined: ${moved.file}: ${moved.error ?? ""}`
        : `quarantined: ${moved.file} -> ${moved.movedTo}`,
    );
  }
  return lines;
}
