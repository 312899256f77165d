import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The tsconfig that maps every workspace package to its source, for TypeScript child processes. */
export const SOURCE_TSCONFIG = fileURLToPath(new URL("../tsconfig.source.json", import.meta.url));

/**
 * Runs a TypeScript file in a real child process (`node --import tsx`), with the workspace packages
 * resolved from source, so tests can SIGKILL, interrupt or time a real program without a build.
 */
export function spawnTypeScript(
  file: string,
  args: readonly string[] = [],
  options: SpawnOptions = {},
): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", file, ...args], {
    ...options,
    env: { ...process.env, ...options.env, TSX_TSCONFIG_PATH: SOURCE_TSCONFIG },
  });
}

/** What a finished child process did. */
export interface ProcessOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a TypeScript file to completion and collects its exit code and output. */
export function runTypeScript(
  file: string,
  args: readonly string[] = [],
  options: SpawnOptions & { readonly input?: string } = {},
): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawnTypeScript(file, args, { ...options, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin?.end(options.input ?? "");
  });
}
