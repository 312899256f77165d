import { randomBytes } from "node:crypto";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";

/**
 * Writes a file so that readers (and a crash at any moment) see either the old content or the complete new
 * one: the content goes to a temporary file beside it, is flushed to disk, and is renamed over the target;
 * then the directory itself is flushed so the rename survives a power loss. `write` gets the temporary
 * file's handle and may write in pieces (large files stream). A failure is a FILE_ERROR naming the file,
 * and leaves the old file untouched.
 */
export async function writeFileAtomic(
  target: string,
  write: (handle: FileHandle) => Promise<void>,
): Promise<Result<void>> {
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, "wx");
    await write(handle);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    return err(
      appError(ErrorCode.FILE_ERROR, `Could not write ${target}: ${(error as Error).message}.`, {
        cause: error,
        details: { path: target },
      }),
    );
  }
  await flushDirectory(path.dirname(target));
  return ok(undefined);
}

/** Writes a whole text atomically (see {@link writeFileAtomic}). */
export function writeTextFileAtomic(target: string, text: string): Promise<Result<void>> {
  return writeFileAtomic(target, async (handle) => {
    await handle.writeFile(text, "utf8");
  });
}

async function flushDirectory(directory: string): Promise<void> {
  // Some platforms cannot open or fsync a directory; the rename is still atomic there, only less durable.
  try {
    const handle = await open(directory, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    return;
  }
}
