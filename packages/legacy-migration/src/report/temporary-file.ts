import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { temporaryBeside } from "./xlsx-sheets.js";

/**
 * A file written through a stream into a temporary file beside `target` and renamed onto it at the end,
 * so the target is complete or absent. A write error never hangs or crashes the writer: it is kept,
 * `abandoned` is aborted (so waits on the stream end), and `close` throws it after removing the temporary
 * file. Imports nothing of the workspace, so the report's worker thread can use it from source too.
 */
export class TemporaryFile {
  private error: unknown;
  private readonly controller = new AbortController();

  private constructor(
    /** The path the file gets once complete. */
    readonly target: string,
    /** Where it is written until then. */
    readonly temporary: string,
    /** The stream into the temporary file. */
    readonly stream: WriteStream,
  ) {
    stream.on("error", (error) => {
      this.error ??= error;
      this.controller.abort();
    });
  }

  /** Opens the temporary file now (throws when it cannot be created), so a bad directory fails before any work. */
  static async open(target: string, temporary = temporaryBeside(target)): Promise<TemporaryFile> {
    const stream = createWriteStream(temporary);
    await once(stream, "open");
    return new TemporaryFile(target, temporary, stream);
  }

  /** Aborted when the file has failed: stop waiting on it. */
  get abandoned(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether a write error happened. */
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
   * into place. Any failure removes the temporary file and is thrown (the first write error if there was one).
   */
  async close(written: () => Promise<unknown>): Promise<void> {
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
    } catch (error) {
      await this.discard();
      throw this.error ?? error;
    }
  }

  /** Gives the file up: the stream is closed and the temporary file removed. */
  async discard(): Promise<void> {
    this.controller.abort();
    this.stream.destroy();
    await unlink(this.temporary).catch(() => undefined);
  }
}
