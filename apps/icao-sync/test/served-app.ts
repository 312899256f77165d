import type { ChildProcess } from "node:child_process";
import { request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { type ProcessOutcome, runTypeScript, spawnTypeScript } from "@certs/testdb";

/** The app from source. */
export const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

/** A cron pattern far away, so only the test decides when runs happen. */
export const NEVER_SOON = "0 0 1 1 *";

/** Runs the app to its end, logging warnings only unless `env` says otherwise. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<ProcessOutcome> {
  return runTypeScript(CLI, args, { env: { CERTS_LOG_LEVEL: "warn", ...env } });
}

/** Runs a set-up step that must work, e.g. the sync a test file starts from; throws with its stderr if not. */
export async function runCliOrThrow(what: string, args: string[]): Promise<void> {
  const outcome = await runCli(args);
  if (outcome.code !== 0) throw new Error(`${what} failed: ${outcome.stderr}`);
}
/** A running `serve` child process. */
export interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/** Polls `probe` every 100 ms until it gives a value. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts `certs-icao-sync serve --port 0` and waits for its serving line. */
export async function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawnTypeScript(CLI, ["serve", "--port", "0", "--log-level", "warn", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const url = await waitFor("the serving line", async () => {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${stderr}`);
    return /serving on (http:\/\/\S+)/.exec(stdout)?.[1];
  });
  return { child, url, exited, stderr: () => stderr };
}

/** A fetch whose body is JSON. */
export async function get(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A request with exactly these headers (fetch will not send a Host of our choosing). */
export function send(
  url: string,
  method: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(text) as Record<string, unknown>,
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** The last run in `/info`, once there is one (that finished at another time than `after`, if given). */
export async function lastRunOf(url: string, after?: string): Promise<Record<string, unknown>> {
  return waitFor("the run to finish", async () => {
    const run = (await get(`${url}/info`)).body.lastRun as Record<string, unknown> | null;
    return run !== null && (after === undefined || run.finishedAt !== after) ? run : undefined;
  });
}

/** Sends `signal` to a served app and gives its exit code once it has exited. */
export async function stop(served: Served, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  served.child.kill(signal);
  return served.exited;
}

/** Kills whatever of `running` still runs, for an afterAll after a failed test. */
export function killStillRunning(running: readonly Served[]): void {
  for (const served of running) if (served.child.exitCode === null) served.child.kill("SIGKILL");
}

/** Waits for `/ready` to answer 200. */
export async function untilReady(url: string): Promise<void> {
  await waitFor("/ready", async () => ((await get(`${url}/ready`)).status === 200 ? true : undefined));
}
