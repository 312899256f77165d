import { ok, type Result } from "@certs/result";
import type { CertificateOutcome } from "../migration/outcomes.js";
import { OutputFile } from "./output-file.js";

/** One line of a rejects file: a certificate the migration refused, for scripted triage. */
export interface RejectLine {
  readonly legacyId: number;
  readonly ecu: string;
  readonly serialNumber: number | null;
  /** The first failing step, its error code and every message of the certificate, in one line. */
  readonly step: string;
  readonly code: string;
  readonly message: string;
}

/**
 * Writes a rejects file (as pgloader's): one JSON line per refused certificate, in the order they fail,
 * into a temporary file renamed into place at the end. The directory is checked when it is created.
 */
export class RejectsWriter {
  private constructor(private readonly file: OutputFile) {}

  /** Starts a rejects file at `target`; a FILE_ERROR naming it if its directory takes no new file. */
  static async create(target: string): Promise<Result<RejectsWriter>> {
    const file = await OutputFile.open(target);
    return file.ok ? ok(new RejectsWriter(file.value)) : file;
  }

  /** Adds the line of a failed certificate (other outcomes are not rejects). */
  async add(outcome: CertificateOutcome): Promise<void> {
    if (outcome.kind !== "failed") return;
    const first = outcome.failures[0];
    const line: RejectLine = {
      legacyId: outcome.legacy.legacyId,
      ecu: outcome.legacy.ecu,
      serialNumber: outcome.legacy.serialNumber,
      step: first?.step ?? "",
      code: first?.code ?? "",
      message: outcome.failures.map((f) => f.message).join(", "),
    };
    await this.file.write(`${JSON.stringify(line)}\n`);
  }

  /** Completes the file (renamed into place); a FILE_ERROR naming it when it could not be written. */
  finish(): Promise<Result<void>> {
    return this.file.close(async () => {
      this.file.stream.end();
    });
  }

  /** Gives the file up: nothing is left. */
  discard(): Promise<void> {
    return this.file.discard();
  }
}
