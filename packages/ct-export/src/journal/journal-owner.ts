import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** Who wrote a journal entry: the host, the process (pid and start time) and the exporter run in it. */
export interface JournalOwner {
  readonly host: string;
  readonly pid: number;
  /** The process start time in clock ticks since boot (Linux), so a reused pid is not mistaken for it. */
  readonly start: string;
  /** Random per exporter run, so runs in one process are told apart. */
  readonly run: string;
}

const liveRuns = new Set<string>();

/** Identity for a new exporter run in this process; call `endJournalOwner` when the run ends. */
export function newJournalOwner(): JournalOwner {
  const owner = {
    host: hostTag(),
    pid: process.pid,
    start: processStart(process.pid) ?? "",
    run: randomBytes(6).toString("hex"),
  };
  liveRuns.add(owner.run);
  return owner;
}

/** Marks a run of this process finished, so its leftover entries may be reconciled by others. */
export function endJournalOwner(owner: JournalOwner): void {
  liveRuns.delete(owner.run);
}

/**
 * Whether the run that wrote an entry may still act on it. Runs on another host are assumed alive (their
 * entries are reconciled when that host's exporter starts again); on this host, the process must exist with
 * the same start time, and if it is this process, the run must not have ended.
 */
export function isOwnerAlive(owner: JournalOwner): boolean {
  if (owner.host !== hostTag()) return true;
  if (owner.pid === process.pid && owner.start === (processStart(process.pid) ?? ""))
    return liveRuns.has(owner.run);
  const start = processStart(owner.pid);
  if (start !== undefined) return start === owner.start;
  // No /proc (not Linux): fall back to asking whether the pid exists at all.
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The host name, reduced to characters that are safe in file names. */
export function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9.-]/g, "-") || "host";
}

/** A batch id that names its owner, so leftovers can be attributed without reading anything else. */
export function batchId(owner: JournalOwner, sequence: number): string {
  return `${owner.host}~${owner.pid}~${owner.start}~${owner.run}~${sequence}`;
}

/** The owner named in a batch id, or undefined if the id was not made by `batchId`. */
export function ownerOfBatch(batch: string): JournalOwner | undefined {
  const [host, pid, start, run] = batch.split("~");
  if (host === undefined || pid === undefined || start === undefined || run === undefined) return undefined;
  if (!/^\d+$/.test(pid)) return undefined;
  return { host, pid: Number(pid), start, run };
}

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may itself hold spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}
