import { randomBytes } from "node:crypto";
import { lstat, readlink, rmdir, symlink, unlink } from "node:fs/promises";
import path from "node:path";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { cacheDirFor } from "./cache-dir.js";
import { dataDirState } from "./data-dir.js";
import { configurationError, messageOf } from "./embedded-error.js";
import type { SystemUser } from "./run-command.js";
import { clusterOwner, createDirectories, postgresSystemUser, whyUnreachable } from "./system-user.js";

/** Where the cluster lives and who runs the server. */
export interface DataDirPlacement {
  /** The cluster's real directory (a link given as the data directory is followed). */
  readonly dataDir: string;
  /** The user the server runs as; undefined when it runs as this process's user. */
  readonly user: SystemUser | undefined;
  /** As root: where the binaries are staged. */
  readonly cacheDir: string | undefined;
  /** Set when the requested directory was out of the user's reach: it is now a link to `dataDir`, for this reason. */
  readonly relocated?: { readonly from: string; readonly because: string };
}

/**
 * Decides where the cluster for `requested` lives. As an ordinary user: there (parents created). As
 * root the server runs as another user, who must be able to enter every directory above the cluster; a
 * new cluster whose requested place it cannot reach goes under the cache directory instead, and the
 * requested path becomes a link to it, so later starts find it. An existing cluster out of its owner's
 * reach is refused with the directory that shuts it out.
 */
export async function placeDataDir(
  requested: string,
  options: { readonly asRoot: boolean; readonly cacheDir: string | undefined },
): Promise<Result<DataDirPlacement>> {
  const dataDir = await followLinks(requested);
  if (!options.asRoot) {
    const made = await createParents(dataDir, undefined);
    return made.ok ? ok({ dataDir, user: undefined, cacheDir: undefined }) : made;
  }
  const state = await dataDirState(dataDir);
  const user = state === "cluster" ? await clusterOwner(dataDir) : await postgresSystemUser();
  if (!user.ok) return user;
  const cacheDir = await cacheDirFor(user.value, options.cacheDir);
  if (!cacheDir.ok) return cacheDir;
  const placed = { dataDir, user: user.value, cacheDir: cacheDir.value };

  if (state === "cluster") {
    const blocked = await whyUnreachable(user.value, path.dirname(dataDir));
    if (blocked === undefined) return ok(placed);
    return configurationError(
      `${blocked}, so the embedded PostgreSQL cannot use its data directory ${dataDir}: pass --data-dir under a directory that user can reach, such as ${path.join(cacheDir.value, "data")}`,
      dataDir,
    );
  }
  const made = await createParents(dataDir, 0o755);
  if (!made.ok) return made;
  const blocked = await whyUnreachable(user.value, path.dirname(dataDir));
  if (blocked === undefined || state === "not-a-cluster") return ok(placed);
  return relocate(requested, { ...placed, because: blocked });
}

/** Puts a new cluster under the cache directory, with `requested` a link to it. */
async function relocate(
  requested: string,
  placed: DataDirPlacement & { readonly cacheDir: string; readonly because: string },
): Promise<Result<DataDirPlacement>> {
  const parent = path.join(placed.cacheDir, "data");
  // Named after where it was asked for (`.certs/postgres` → `certs-postgres-…`), not hidden by a leading dot.
  const origin = `${path.basename(path.dirname(requested))}-${path.basename(requested)}`
    .replace(/[^\w.-]/g, "_")
    .replace(/^\.+/, "");
  const dataDir = path.join(parent, `${origin}-${randomBytes(4).toString("hex")}`);
  try {
    await createDirectories(parent, 0o755);
    await clearForLink(requested);
    await symlink(dataDir, requested);
  } catch (error) {
    // Another process relocated it at the same moment: share its cluster.
    const theirs =
      (error as NodeJS.ErrnoException).code === "EEXIST" ? await followLinks(requested) : requested;
    if (theirs !== requested) {
      return ok({
        dataDir: theirs,
        user: placed.user,
        cacheDir: placed.cacheDir,
        relocated: { from: requested, because: placed.because },
      });
    }
    return err(
      appError(
        ErrorCode.FILE_ERROR,
        `${placed.because}, and ${requested} could not be made a link to ${dataDir}: ${messageOf(error)}`,
        { cause: error, details: { dataDir: requested } },
      ),
    );
  }
  return ok({
    dataDir,
    user: placed.user,
    cacheDir: placed.cacheDir,
    relocated: { from: requested, because: placed.because },
  });
}

/** Removes what may stand where the link goes: an empty directory, or a link to a cluster that is gone. */
async function clearForLink(requested: string): Promise<void> {
  const info = await lstat(requested).catch(() => undefined);
  if (info === undefined) return;
  if (info.isSymbolicLink()) await unlink(requested);
  else if (info.isDirectory()) await rmdir(requested);
}

/** Undoes {@link relocate}'s link when the cluster could not be made, unless another process changed it. */
export async function removeRelocationLink(placement: DataDirPlacement): Promise<void> {
  if (placement.relocated === undefined) return;
  const target = await readlink(placement.relocated.from).catch(() => undefined);
  if (target === placement.dataDir) await unlink(placement.relocated.from).catch(() => {});
}

async function followLinks(start: string): Promise<string> {
  let current = start;
  for (let hop = 0; hop < 16; hop += 1) {
    const target = await readlink(current).catch(() => undefined);
    if (target === undefined) return current;
    current = path.resolve(path.dirname(current), target);
  }
  return current;
}

async function createParents(dataDir: string, mode: number | undefined): Promise<Result<void>> {
  try {
    await createDirectories(path.dirname(dataDir), mode);
    return ok(undefined);
  } catch (error) {
    return err(
      appError(
        ErrorCode.FILE_ERROR,
        `could not create the embedded PostgreSQL data directory ${dataDir}: ${messageOf(error)}`,
        { cause: error, details: { dataDir } },
      ),
    );
  }
}
