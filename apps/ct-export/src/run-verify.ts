import { ExitCode, exitCodeFor, formatFailure } from "@certs/app-kit";
import { verifyPendingDirectory } from "@certs/ct-export";
import { appError, ErrorCode } from "@certs/result";

/** `certs-ct-export verify <dir>`: returns the exit code. */
export async function runVerify(dir: string, json: boolean): Promise<number> {
  const report = await verifyPendingDirectory(dir);
  if (!report.ok) {
    // The directory is the command's argument: one that cannot be read is bad usage.
    const error = appError(ErrorCode.CONFIGURATION_ERROR, `verify: ${report.error.message}`, {
      cause: report.error.cause,
    });
    process.stderr.write(`${formatFailure(error)}\n`);
    return exitCodeFor(error);
  }
  const { files, entries, byLog, byEntryType, problems } = report.value;
  if (json) {
    process.stdout.write(`${JSON.stringify(report.value)}\n`);
  } else {
    const lines = [
      `${files} files, ${entries} entries, ${entries - problems.length} good, ${problems.length} bad`,
    ];
    lines.push("by entry type:");
    for (const [type, count] of Object.entries(byEntryType)) lines.push(`  ${type.padEnd(20)} ${count}`);
    lines.push("by log:");
    for (const [log, count] of Object.entries(byLog).sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  ${log.padEnd(20)} ${count}`);
    }
    for (const problem of problems) {
      const where = problem.position === null ? problem.file : `${problem.file}[${problem.position}]`;
      lines.push(`bad: ${where}: ${problem.message}`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  return problems.length === 0 ? ExitCode.OK : ExitCode.FAILED;
}
