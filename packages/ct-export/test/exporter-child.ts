import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const here = import.meta.dirname;

/** A running exporter process and what it has said. */
export interface ExporterChild {
  readonly process: ChildProcess;
  /** Batches it reported so far. */
  batches(): number;
  /** Resolves on the first reported batch, or when it exits before one. */
  firstBatch(): Promise<void>;
  /** Resolves with the exit code (null when killed) and its output. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `test/exporter-process.ts` under tsx, resolving sibling packages from source. */
export function startExporter(settings: {
  url: string;
  outputDir: string;
  batchSize: number;
  sleepMs: number;
}): ExporterChild {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(here, "exporter-process.ts"), JSON.stringify(settings)],
    {
      cwd: path.join(here, ".."),
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(here, "exporter-process.tsconfig.json") },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  let batchCount = 0;
  let onBatch: (() => void) | undefined;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    batchCount = (stdout.match(/^batch /gm) ?? []).length;
    if (batchCount > 0) onBatch?.();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    batches: () => batchCount,
    firstBatch: () =>
      new Promise<void>((resolve) => {
        if (batchCount > 0) return resolve();
        onBatch = resolve;
        void exit.then(() => resolve());
      }),
    exited: async () => ({ ...(await exit), stdout, stderr }),
  };
}
