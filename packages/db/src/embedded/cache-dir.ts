import { chmod, lstat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { messageOf } from "./embedded-error.js";
import type { SystemUser } from "./run-command.js";
import { createDirectories, describeUser, whyUnreachable } from "./system-user.js";

const CACHE_NAME = "certs-embedded-postgres";

/**
 * The directory where, as root, the PostgreSQL binaries are staged and data directories the server's
 * user could not reach are placed: `requested` when given, else the first usable of
 * `/var/tmp/certs-embedded-postgres` (kept across reboots) and the same under the system temp directory.
 * Usable means owned by this process's user, a real directory (not a link), and reachable by `user`.
 */
export async function cacheDirFor(user: SystemUser, requested: string | undefined): Promise<Result<string>> {
  const candidates =
    requested === undefined
      ? [...new Set([path.join("/var/tmp", CACHE_NAME), path.join(tmpdir(), CACHE_NAME)])]
      : [path.resolve(requested)];
  const problems: string[] = [];
  for (const dir of candidates) {
    const problem = await whyUnusable(dir, user);
    if (problem === undefined) return ok(dir);
    problems.push(problem);
  }
  return err(
    appError(
      ErrorCode.CONFIGURATION_ERROR,
      `found no directory for the embedded PostgreSQL's binaries that ${describeUser(user)} can reach: ${problems.join("; ")}`,
      { details: { candidates } },
    ),
  );
}

async function whyUnusable(dir: string, user: SystemUser): Promise<string | undefined> {
  try {
    await createDirectories(dir, 0o755);
    const info = await lstat(dir);
    if (!info.isDirectory()) return `${dir} is not a directory`;
    // Anyone else's directory could hold binaries this process would then run.
    if (info.uid !== process.getuid?.())
      return `${dir} belongs to uid ${info.uid}, not to this process's user`;
    await chmod(dir, 0o755);
  } catch (error) {
    return `cannot use ${dir}: ${messageOf(error)}`;
  }
  return whyUnreachable(user, dir);
}
