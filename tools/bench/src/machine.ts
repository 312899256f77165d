import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

/** The machine a run was measured on. */
export interface MachineDescription {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly nodeVersion: string;
  readonly kernel: string;
  /** 1, 5 and 15 minute load averages when the run started: other work skews the figures. */
  readonly loadAverage: readonly number[];
}

/** Reads the CPU model from /proc/cpuinfo (falling back to Node's view), cores, memory and Node's version. */
export function describeMachine(): MachineDescription {
  let cpuModel = os.cpus()[0]?.model ?? "unknown";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match?.[1] !== undefined) cpuModel = match[1].trim();
  } catch {
    // Not Linux: Node's CPU model will do.
  }
  return {
    cpuModel,
    cores: os.availableParallelism(),
    memoryGb: os.totalmem() / 1024 ** 3,
    nodeVersion: process.version,
    kernel: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg(),
  };
}

/** The measured code: commit, and the paths under packages/ and apps/ with uncommitted changes. */
export function describeCode(root: string): { commit: string; dirty: readonly string[] } {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: root,
      encoding: "utf8",
    }).trim();
    const status = execFileSync("git", ["status", "--porcelain", "--", "packages", "apps"], {
      cwd: root,
      encoding: "utf8",
    });
    const dirty = status
      .split("\n")
      .filter(Boolean)
      .map((line) => line.slice(3));
    return { commit, dirty };
  } catch {
    return { commit: "unknown (not a git checkout)", dirty: [] };
  }
}
