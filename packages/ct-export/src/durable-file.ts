import { open, type FileHandle } from "node:fs/promises";

/** Creates `path` (failing if it exists), writes `data` and fsyncs it before closing. Throws fs errors. */
export async function writeNewFileDurably(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, "wx", 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the directory's entries (created, renamed, linked files) durable. Throws fs errors. */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } finally {
    await handle?.close();
  }
}

/** The errno code of a Node fs error, if any. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return undefined;
}
