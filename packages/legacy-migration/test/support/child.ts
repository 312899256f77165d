import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const packageDir = path.resolve(import.meta.dirname, "../..");

/** Starts `test/child/run-migration.ts` in a Node process of its own (through tsx), with `env` added. */
export function spawnMigration(
  options: Record<string, unknown>,
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(
    process.execPath,
    ["--import", "tsx", "test/child/run-migration.ts", JSON.stringify(options)],
    {
      cwd: packageDir,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(packageDir, "test/child/tsconfig.json"), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
}

/** Waits for a child to exit; resolves with its exit code, signal and output. */
export function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}
