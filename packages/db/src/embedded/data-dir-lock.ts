import { readFile } from "node:fs/promises";
import path from "node:path";
import { ok, type Result } from "@certs/result";
import { configurationError } from "./embedded-error.js";

/** Refuses a data directory whose `postmaster.pid` names a live process: two servers must not share it. */
export async function refuseIfInUse(dataDir: string): Promise<Result<void>> {
  const pid = await postmasterPid(dataDir);
  if (pid !== undefined && isAlive(pid)) {
    return configurationError(
      `the embedded PostgreSQL data directory ${dataDir} is in use by process ${pid}; stop it or pass another --data-dir`,
      dataDir,
      undefined,
      { pid },
    );
  }
  return ok(undefined);
}

/** The first line of `postmaster.pid`: the server that holds the directory, if any. */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const firstLine = (await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0] ?? "";
    const pid = Number(firstLine.trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
