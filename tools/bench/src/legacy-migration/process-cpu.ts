import { readFileSync } from "node:fs";

/** Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ) on every supported architecture. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) process `pid` has used so far, in ms, from /proc/<pid>/stat; null when it cannot
 * be read (not Linux, or the process is gone). Used to show how busy the database server was during a case.
 */
export function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    if (!Number.isFinite(user) || !Number.isFinite(system)) return null;
    return ((user + system) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
