import { mkdir, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { errorCode } from "../durable-file.js";

/**
 * The real reason a recursive `mkdir` of `dir` failed. Node reports ENOENT when a missing directory cannot be
 * created on a read-only file system; creating the first missing one alone tells EROFS (or EACCES) apart.
 */
export async function directoryCreationError(dir: string, error: unknown): Promise<unknown> {
  if (errorCode(error) !== "ENOENT") return error;
  // The directory Node was creating (the journal's, inside `dir`, say), else `dir`.
  const failed = (error as { path?: unknown }).path;
  let missing = path.resolve(typeof failed === "string" ? failed : dir);
  for (;;) {
    const parent = path.dirname(missing);
    if (parent === missing) return error;
    const found = await stat(parent).then(
      (info) => info.isDirectory(),
      () => false,
    );
    if (found) break;
    missing = parent;
  }
  try {
    await mkdir(missing);
    await rmdir(missing);
    return error;
  } catch (real) {
    return real;
  }
}

/** A file system error in words an operator acts on, with its code: "the file system is read-only (EROFS)". */
export function describeFileError(error: unknown): string {
  const code = errorCode(error);
  const words = code === undefined ? undefined : FILE_ERROR_WORDS[code];
  if (words !== undefined) return `${words} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

const FILE_ERROR_WORDS: Readonly<Record<string, string>> = {
  EROFS: "the file system is read-only",
  ENOSPC: "no space is left on the device",
  EDQUOT: "the disk quota is used up",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such directory",
  ENOTDIR: "a part of the path is not a directory",
};
