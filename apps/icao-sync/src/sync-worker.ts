// The worker thread a `serve` sync runs in: parsing and verifying a hostile list may take seconds of CPU,
// and the status endpoints and SIGTERM must not wait for it.
import { parentPort, workerData } from "node:worker_threads";
import { createPgPool, type Logger } from "@certs/db";
import { syncTrustStore } from "@certs/icao-sync";
import { syncInput, syncOptions } from "./run-sync.js";
import type { SyncWorkerData, WorkerMessage } from "./worker-sync.js";

const port = parentPort;
if (port === null) throw new Error("sync-worker.ts runs only as a worker thread");
const data = workerData as SyncWorkerData;

const post = (message: WorkerMessage) => port.postMessage(message);

// Plain data only crosses threads: errors as their message, bigints as text.
function plain(object: object): object {
  try {
    return JSON.parse(
      JSON.stringify(object, (_key, value: unknown) =>
        value instanceof Error
          ? { name: value.name, message: value.message }
          : typeof value === "bigint"
            ? value.toString()
            : value,
      ),
    ) as object;
  } catch {
    return { detail: String(object) };
  }
}

const logger: Logger = {
  debug: (object, message) => post({ type: "log", level: "debug", object: plain(object), message }),
  info: (object, message) => post({ type: "log", level: "info", object: plain(object), message }),
  warn: (object, message) => post({ type: "log", level: "warn", object: plain(object), message }),
  error: (object, message) => post({ type: "log", level: "error", object: plain(object), message }),
};

const controller = new AbortController();
const onMessage = (message: unknown) => {
  if ((message as { type?: unknown } | null)?.type === "abort") controller.abort(new Error("shutting down"));
};
port.on("message", onMessage);

const pool = createPgPool(data.spec, { poolSize: 2, applicationName: "certs-icao-sync", logger });
if (!pool.ok) {
  post({
    type: "done",
    outcome: { ok: false, error: { code: pool.error.code, message: pool.error.message } },
  });
} else {
  try {
    const outcome = await syncTrustStore(pool.value, syncInput(data.settings), {
      ...syncOptions(data.settings, logger),
      ...(data.conditional === undefined ? {} : { conditional: data.conditional }),
      signal: controller.signal,
    });
    post({
      type: "done",
      outcome: outcome.ok
        ? {
            ok: true,
            value: plain({
              status: outcome.value.status,
              counts: outcome.value.counts,
              syncId: outcome.value.syncId,
              verification: outcome.value.verification,
              notModified: outcome.value.notModified,
              downloads: outcome.value.downloads,
              inputDigest: outcome.value.inputDigest,
            }) as never,
          }
        : { ok: false, error: { code: outcome.error.code, message: outcome.error.message } },
    });
  } finally {
    await pool.value.end().catch(() => undefined);
  }
}
port.off("message", onMessage);
port.unref();
