import type { WriteStream } from "node:fs";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { TemporaryFile } from "./temporary-file.js";

/** A FILE_ERROR naming the file, with the reason. */
export function outputFileError(target: string, cause: unknown): AppError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return appError(ErrorCode.FILE_ERROR, `Could not write the report ${target}: ${reason}.`, {
    cause,
    details: { path: target },
  });
}

/**
 * A file written through a stream into a temporary file beside `target` and renamed onto it at the end,
 * so the target is complete or absent (a {@link TemporaryFile} whose failures are FILE_ERRORs naming the path).
 * A write error never hangs or crashes the writer: it is kept, `abandoned` is aborted (so waits on the
 * stream end), and `close` returns it.
 */
export class OutputFile {
  private constructor(private readonly file: TemporaryFile) {}

  /** Opens the temporary file now, so a directory that cannot be written fails before any work. */
  static async open(target: string): Promise<Result<OutputFile>> {
    try {
      return ok(new OutputFile(await TemporaryFile.open(target)));
    } catch (error) {
      return err(outputFileError(target, error));
    }
  }

  /** The path the file gets once complete. */
  get target(): string {
    return this.file.target;
  }

  /** The stream into the temporary file. */
  get stream(): WriteStream {
    return this.file.stream;
  }

  /** Aborted when the file has failed: stop waiting on it. */
  get abandoned(): AbortSignal {
    return this.file.abandoned;
  }

  /** The write error, if one happened. */
  get failed(): boolean {
    return this.file.failed;
  }

  /** Writes text, waiting for the stream when it asks; returns at once after a failure. */
  write(text: string): Promise<void> {
    return this.file.write(text);
  }

  /**
   * Waits for `written` (what finishes the stream: `end()`, a workbook's commit), then renames the file
   * into place. Any failure removes the temporary file and is a FILE_ERROR naming the target.
   */
  async close(written: () => Promise<unknown>): Promise<Result<void>> {
    try {
      await this.file.close(written);
      return ok(undefined);
    } catch (error) {
      return err(outputFileError(this.target, error));
    }
  }

  /** Gives the file up: the stream is closed and the temporary file removed. */
  discard(): Promise<void> {
    return this.file.discard();
  }
}
