import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { bundledCase } from "./case-bundle.js";
import { CASE_PROGRESS_PREFIX, CASE_RESULT_PREFIX, type CaseReport } from "./case-process.js";

/** One case to run in a child process. */
export interface CaseSpec {
  /** Absolute path of the TypeScript file the child runs (it uses `case-process.ts` to talk back). */
  readonly file: string;
  /** Passed to the child as JSON (its `caseInput()`). */
  readonly input: unknown;
  /** SIGTERM after this long (the child should then stop and report what it did); SIGKILL 30 s later. */
  readonly timeoutMs: number;
  /** Also stop it when, once it has reported progress, it reports none for this long (it is stuck). */
  readonly idleTimeoutMs?: number;
  /** Told each progress report the child makes. */
  readonly onProgress?: (progress: unknown) => void;
  /** Extra Node.js options for the child (its NODE_OPTIONS, after --expose-gc), e.g. a V8 heap limit. */
  readonly nodeOptions?: readonly string[];
}

/** What a child process did. */
export interface CaseOutcome<T> {
  /** What the child reported at the end; null when it died without reporting. */
  readonly result: T | null;
  /** The child's own peak RSS (its `maxRSS` at exit, else the last VmHWM read from /proc). */
  readonly peakRssMb: number | null;
  readonly wallMs: number;
  /** It ran past `timeoutMs` (or `idleTimeoutMs`) and was told to stop. */
  readonly timedOut: boolean;
  /** It was stopped for reporting no progress for `idleTimeoutMs`. */
  readonly stalled: boolean;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines of its stderr, for failure messages. */
  readonly stderrTail: string;
}

const KILL_GRACE_MS = 30_000;

/**
 * Runs `spec.file`, compiled to JavaScript (see `bundledCase`), in a plain `node` child against the built
 * workspace packages, and collects its report. The child's peak RSS is measured in the child, so the
 * harness's own memory never counts.
 */
export async function runCase<T>(spec: CaseSpec): Promise<CaseOutcome<T>> {
  const script = await bundledCase(spec.file);
  const started = performance.now();
  const child = spawn(process.execPath, [script, JSON.stringify(spec.input)], {
    stdio: ["ignore", "pipe", "pipe"],
    // Lets a case force a collection at its end and report the heap it still holds (retainedHeapMb).
    env: {
      ...process.env,
      NODE_OPTIONS: ["--expose-gc", ...(spec.nodeOptions ?? [])].join(" "),
    },
  });
  let report: CaseReport<T> | null = null;
  let hwmKb: number | null = null;
  let stderr = "";
  let pending = "";
  let timedOut = false;
  let stalled = false;
  let lastProgressAt: number | null = null;

  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.startsWith(CASE_RESULT_PREFIX)) {
        report = JSON.parse(line.slice(CASE_RESULT_PREFIX.length)) as CaseReport<T>;
      } else if (line.startsWith(CASE_PROGRESS_PREFIX)) {
        lastProgressAt = performance.now();
        spec.onProgress?.(JSON.parse(line.slice(CASE_PROGRESS_PREFIX.length)));
      }
      newline = pending.indexOf("\n");
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  let killer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (timedOut) return;
    timedOut = true;
    child.kill("SIGTERM");
    killer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
  };
  // Also the fallback for a child that is killed before it can report its own maxRSS.
  const sampler = setInterval(() => {
    const kb = readHighWaterMarkKb(child.pid);
    if (kb !== null) hwmKb = Math.max(hwmKb ?? 0, kb);
    const idle = spec.idleTimeoutMs;
    if (idle !== undefined && lastProgressAt !== null && performance.now() - lastProgressAt > idle) {
      stalled = true;
      stop();
    }
  }, 250);
  const terminator = setTimeout(stop, spec.timeoutMs);

  return new Promise((resolve, reject) => {
    child.on("error", (error) => {
      clearInterval(sampler);
      clearTimeout(terminator);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearInterval(sampler);
      clearTimeout(terminator);
      if (killer !== undefined) clearTimeout(killer);
      const final = report as CaseReport<T> | null;
      const rssKb = final?.maxRssKb ?? hwmKb;
      resolve({
        result: final?.value ?? null,
        peakRssMb: rssKb === null ? null : rssKb / 1024,
        wallMs: performance.now() - started,
        timedOut,
        stalled,
        exitCode: code,
        signal,
        stderrTail: stderr.split("\n").slice(-12).join("\n"),
      });
    });
  });
}

function readHighWaterMarkKb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    // The process has just exited, or this is not Linux.
    return null;
  }
}
