import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { copyFile, link, open, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { appError, ErrorCode, Result, type AppError } from "@certs/result";
import { errorCode, fsyncDirectory } from "../durable-file.js";

const MAX_NAME_ATTEMPTS = 1000;

/**
 * Moves `file` into `quarantineDir` so that the uploader, which posts the `*.json` files of its directory,
 * never sees it again; returns the new path. The file is at every moment whole in one place (or, for an
 * instant, in both): on one file system it is linked under a free name and unlinked (never overwriting an
 * earlier quarantined file of the same name); across file systems it is copied under a temporary name,
 * fsynced, linked to its final name, and only then removed from the pending directory.
 */
export async function quarantineFile(file: string, quarantineDir: string): Promise<Result<string, AppError>> {
  return Result.fromPromise(
    () => moveFile(file, quarantineDir),
    (cause) =>
      appError(
        ErrorCode.FILE_ERROR,
        `Cannot move ${file} into the quarantine directory ${quarantineDir}: ${errorCode(cause) ?? String(cause)}.`,
        { cause },
      ),
  );
}

async function moveFile(file: string, quarantineDir: string): Promise<string> {
  const sourceDir = path.dirname(file);
  const placed = await placeUnderFreeName(file, quarantineDir).catch(async (error: unknown) => {
    if (errorCode(error) !== "EXDEV") throw error;
    return copyAcross(file, quarantineDir);
  });
  await fsyncDirectory(quarantineDir);
  if (!placed.renamed) await unlink(file);
  await fsyncDirectory(sourceDir);
  return placed.target;
}

/** Hard-links `source` into `dir` under its own name, or `name.1.json`, `name.2.json`... if taken. */
interface Placed {
  readonly target: string;
  /** True when the source name is already gone (renamed rather than linked). */
  readonly renamed: boolean;
}

async function placeUnderFreeName(
  source: string,
  dir: string,
  baseName = path.basename(source),
): Promise<Placed> {
  const extension = path.extname(baseName);
  const stem = baseName.slice(0, baseName.length - extension.length);
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt += 1) {
    const target = path.join(dir, attempt === 0 ? baseName : `${stem}.${attempt}${extension}`);
    try {
      await link(source, target);
      return { target, renamed: false };
    } catch (error) {
      if (errorCode(error) === "EEXIST") continue;
      if (errorCode(error) === "EPERM" || errorCode(error) === "ENOTSUP") return renameIfFree(source, target);
      throw error;
    }
  }
  throw Object.assign(new Error(`no free name for ${baseName} in ${dir}`), { code: "EEXIST" });
}

/** For file systems without hard links: a rename after checking the name is free (the best they allow). */
async function renameIfFree(source: string, target: string): Promise<Placed> {
  const taken = await stat(target).then(
    () => true,
    (error: unknown) => (errorCode(error) === "ENOENT" ? false : Promise.reject(error)),
  );
  if (taken) throw Object.assign(new Error(`${target} exists`), { code: "EEXIST" });
  await rename(source, target);
  return { target, renamed: true };
}

/** Another file system: copy to a temporary name (not `*.json`), fsync, then give it its final name. */
async function copyAcross(source: string, dir: string): Promise<Placed> {
  const temporary = path.join(dir, `.quarantine-${randomBytes(6).toString("hex")}.tmp`);
  await copyFile(source, temporary, constants.COPYFILE_EXCL);
  try {
    const handle = await open(temporary, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const placed = await placeUnderFreeName(temporary, dir, path.basename(source));
    // The pending file itself is still there: it is removed once the copy is durable.
    return { target: placed.target, renamed: false };
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}
