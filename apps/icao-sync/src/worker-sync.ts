import { Worker } from "node:worker_threads";
import type { Logger, PostgresConnectionSpec } from "@certs/db";
import type { ConditionalSync, SyncOutcome } from "@certs/icao-sync";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { withCommandLineHint } from "./command-line-hint.js";
import type { SyncSettings } from "./settings.js";

/** What `serve` keeps of one sync. */
export type RunSummary = Pick<
  SyncOutcome,
  "status" | "counts" | "syncId" | "verification" | "notModified" | "downloads" | "inputDigest"
>;

/** What the worker is started with: plain data, as threads share no objects. */
export interface SyncWorkerData {
  readonly settings: SyncSettings;
  readonly spec: PostgresConnectionSpec;
  /** The downloads of the last successful run, for If-None-Match / If-Modified-Since. */
  readonly conditional?: ConditionalSync;
}

/** What the worker tells the main thread. */
export type WorkerMessage =
  | {
      readonly type: "log";
      readonly level: "debug" | "info" | "warn" | "error";
      readonly object: object;
      readonly message: string | undefined;
    }
  | {
      readonly type: "done";
      readonly outcome:
        | { readonly ok: true; readonly value: RunSummary }
        | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };
    };

/** Options of {@link runSyncInWorker}. */
export interface WorkerSyncOptions {
  /** Aborting asks the sync to stop; after `graceMs` the worker is ended whatever it is doing. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly graceMs: number;
}

// Built, this module is bundled into dist/cli.js next to dist/sync-worker.js; from source, tsx runs the .ts.
const WORKER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./sync-worker.ts" : "./sync-worker.js",
  import.meta.url,
);

function startWorker(workerData: SyncWorkerData): Worker {
  if (!WORKER_URL.pathname.endsWith(".ts")) return new Worker(WORKER_URL, { workerData });
  // From source (tests, tsx): Node 20 does not carry tsx's loader into workers, so the worker registers it.
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * Runs one sync in a worker thread, so that parsing and verifying (seconds of CPU for a hostile list) never
 * holds up the event loop. On abort the worker is asked to stop; one still busy after `graceMs` (a chain
 * search cannot look at its signal) is ended: its database connections close, so PostgreSQL rolls back
 * whatever transaction it had open, and the run counts as cancelled.
 */
export function runSyncInWorker(
  data: SyncWorkerData,
  options: WorkerSyncOptions,
): Promise<Result<RunSummary>> {
  const { signal, logger } = options;
  return new Promise((resolve) => {
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const settle = (result: Result<RunSummary>) => {
      if (settled) return;
      settled = true;
      clearTimeout(graceTimer);
      signal.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const worker = startWorker(data);
    const onAbort = () => {
      worker.postMessage({ type: "abort" });
      graceTimer = setTimeout(() => {
        logger.warn({ graceMs: options.graceMs }, "the sync did not stop in time; ending its worker");
        void worker.terminate();
        settle(
          err(
            appError(
              ErrorCode.CANCELLED,
              `The sync did not stop within ${options.graceMs / 1000} s of the shutdown; its worker was ended and its database connections closed, so nothing it had not committed was kept.`,
            ),
          ),
        );
      }, options.graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "log") {
        logger[message.level](message.object, message.message);
        return;
      }
      const { outcome } = message;
      settle(
        outcome.ok
          ? ok(outcome.value)
          : err(withCommandLineHint(appError(outcome.error.code, outcome.error.message))),
      );
    });
    worker.on("error", (error) => {
      settle(
        err(
          appError(ErrorCode.UNEXPECTED_ERROR, `The sync worker failed: ${error.message}`, { cause: error }),
        ),
      );
    });
    worker.on("exit", (code) => {
      settle(
        err(
          appError(
            ErrorCode.UNEXPECTED_ERROR,
            `The sync worker stopped (exit code ${code}) without an outcome.`,
          ),
        ),
      );
    });
  });
}
