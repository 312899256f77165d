import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { temporaryBeside } from "./xlsx-sheets.js";

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
 * so the target is complete or absent. A write error never hangs or crashes the writer: it is kept,
 * `abandoned` is aborted (so waits on the stream end), and `close` returns it as a FILE_ERROR naming the path.
 */
export class OutputFile {
  private error: unknown;
  private readonly controller = new AbortController();

  private constructor(
    /** The path the file gets once complete. */
    readonly target: string,
    private readonly temporary: string,
    /** The stream into the temporary file. */
    readonly stream: WriteStream,
  ) {
    stream.on("error", (error) => {
      this.error ??= error;
      this.controller.abort();
    });
  }

  /** Opens the temporary file now, so a directory that cannot be written fails before any work. */
  static async open(target: string): Promise<Result<OutputFile>> {
    const temporary = temporaryBeside(target);
    const stream = createWriteStream(temporary);
    try {
      await once(stream, "open");
    } catch (error) {
      return err(outputFileError(target, error));
    }
    return ok(new OutputFile(target, temporary, stream));
  }

  /** Aborted when the file has failed: stop waiting on it. */
  get abandoned(): AbortSignal {
    return this.controller.signal;
  }

  /** The write error, if one happened. */
  get failed(): boolean {
    return this.error !== undefined;
  }

  /** Writes text, waiting for the stream when it asks; returns at once after a failure. */
  async write(text: string): Promise<void> {
    if (this.failed) return;
    if (!this.stream.write(text)) {
      await once(this.stream, "drain", { signal: this.abandoned }).catch(() => undefined);
    }
  }

  /**
   * Waits for `written` (what finishes the stream: `end()`, a workbook's commit), then renames the file
   * into place. Any failure removes the temporary file and is a FILE_ERROR naming the target.
   */
  async close(written: () => Promise<unknown>): Promise<Result<void>> {
    try {
      if (!this.failed) {
        const aborted = new Promise<void>((resolve) =>
          this.abandoned.addEventListener("abort", () => resolve(), { once: true }),
        );
        await Promise.race([written(), aborted]);
        if (!this.stream.closed && !this.failed) await Promise.race([once(this.stream, "close"), aborted]);
      }
      if (this.failed) throw this.error;
      await rename(this.temporary, this.target);
      return ok(undefined);
    } catch (error) {
      await this.discard();
      return err(outputFileError(this.target, this.error ?? error));
    }
  }

  /** Gives the file up: the stream is closed and the temporary file removed. */
  async discard(): Promise<void> {
    this.controller.abort();
    this.stream.destroy();
    await unlink(this.temporary).catch(() => undefined);
  }
}
