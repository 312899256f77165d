import { ok, type Result } from "@certs/result";
import { MigrationReportWriter } from "../report/migration-report-writer.js";
import { RejectsWriter } from "../report/rejects-writer.js";
import type { MigrationSummary } from "./migration-summary.js";
import type { CertificateOutcome } from "./outcomes.js";

/** Where a run writes its files. */
export interface RunOutputOptions {
  /** Write the Excel report here, as groups complete (also after a cancellation). */
  readonly reportPath?: string;
  /** Write one JSON line per refused certificate here (legacy id, ECU, serial, step, code, message). */
  readonly rejectsPath?: string;
}

/** The files a run writes as it goes: the Excel report and the rejects file, each optional. */
export class RunOutputs {
  private constructor(
    private readonly report: MigrationReportWriter | undefined,
    private readonly rejects: RejectsWriter | undefined,
  ) {}

  /** Opens both files before any work: a directory that takes no new file is a FILE_ERROR naming it. */
  static async open(options: RunOutputOptions): Promise<Result<RunOutputs>> {
    let report: MigrationReportWriter | undefined;
    if (options.reportPath !== undefined) {
      const created = await MigrationReportWriter.create(options.reportPath);
      if (!created.ok) return created;
      report = created.value;
    }
    if (options.rejectsPath !== undefined) {
      const created = await RejectsWriter.create(options.rejectsPath);
      if (!created.ok) {
        await report?.discard();
        return created;
      }
      return ok(new RunOutputs(report, created.value));
    }
    return ok(new RunOutputs(report, undefined));
  }

  /** Adds one outcome to each file. */
  async add(outcome: CertificateOutcome): Promise<void> {
    await this.report?.add(outcome);
    await this.rejects?.add(outcome);
  }

  /** Completes both files; the first FILE_ERROR (naming its path) if one could not be written. */
  async finish(summary: MigrationSummary): Promise<Result<void>> {
    const report = this.report === undefined ? ok(undefined) : await this.report.finish(summary);
    const rejects = this.rejects === undefined ? ok(undefined) : await this.rejects.finish();
    return report.ok ? rejects : report;
  }

  /** Leaves no file behind (a run that stopped before it started). */
  async discard(): Promise<void> {
    await this.report?.discard();
    await this.rejects?.discard();
  }
}
