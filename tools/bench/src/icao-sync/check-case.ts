// `verifyDocumentSecurityObject` over generated SODs against a PKD-sized store, in a process of its own: the
// main thread loads the store (untimed), then the same module runs as worker threads, each with its own pool
// and TrustStoreReader, and the main thread times them from a common start to the last one done.
// Run by the harness, compiled: `node check-case.mjs '<json>'` (see case-bundle.ts).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { createPgPool, parseConnectionUrl } from "@certs/db";
import { syncTrustStore, TrustStoreReader, verifyDocumentSecurityObject } from "@certs/icao-sync";
import { caseInput, reportOnStop, reportResult } from "../case-process.js";
import { migratedPool, tableCounts, type CaseSources } from "./case-database.js";

/** What the harness asks of this process. */
export interface CheckCaseInput {
  readonly url: string;
  /** The PKD-sized sources, plus the operator CSCA and its CRL the SODs' DSCs chain to. */
  readonly sources: CaseSources & { readonly cscas: readonly string[]; readonly crls: readonly string[] };
  /** Length-prefixed SODs (see `readSods`). */
  readonly sodFile: string;
  /** The time the documents are checked at (ISO 8601). */
  readonly at: string;
  /** Thread counts to time, one figure each (e.g. [1, 2]). */
  readonly threads: readonly number[];
  /** Documents each thread checks untimed first (its reader's caches filled, code warmed up). */
  readonly warmup: number;
}

/** One timed pass over every SOD. */
export interface CheckPass {
  readonly threads: number;
  readonly documents: number;
  readonly elapsedMs: number;
  readonly valid: number;
  /** The first few problems of documents that were not valid (there should be none). */
  readonly problems: readonly string[];
}

/** What this process reports. */
export interface CheckCaseResult {
  readonly loadMs: number;
  readonly rows: Record<string, number>;
  readonly passes: readonly CheckPass[];
  readonly error?: string;
}

interface WorkerInput {
  readonly url: string;
  readonly sodFile: string;
  readonly at: string;
  readonly index: number;
  readonly threads: number;
  readonly warmup: number;
}

type WorkerMessage =
  | { readonly kind: "ready" }
  | {
      readonly kind: "done";
      readonly documents: number;
      readonly valid: number;
      readonly problems: string[];
    };

// Local files only; the PKD-sized LDIF is larger than the default download limit of 100 MiB.
const MAX_SOURCE_BYTES = 2 * 1024 * 1024 * 1024;

/** The SODs of a file written as a 4-byte big-endian length before each SOD's DER. */
function readSods(file: string): Uint8Array[] {
  const bytes = readFileSync(file);
  const sods: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    sods.push(new Uint8Array(bytes.buffer, bytes.byteOffset + at + 4, length));
    at += 4 + length;
  }
  return sods;
}

async function checkShare(input: WorkerInput): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error("check-case: the worker has no parent port");
  const spec = parseConnectionUrl(input.url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error("check-case needs a postgres:// URL");
  const pool = createPgPool(spec.value, { poolSize: 2 });
  if (!pool.ok) throw new Error(pool.error.message);
  const reader = new TrustStoreReader(pool.value);
  const at = new Date(input.at);
  const mine = readSods(input.sodFile).filter((_, i) => i % input.threads === input.index);
  for (const sod of mine.slice(0, input.warmup)) await verifyDocumentSecurityObject(reader, sod, { at });
  const go = new Promise<void>((resolve) => port.once("message", () => resolve()));
  port.postMessage({ kind: "ready" } satisfies WorkerMessage);
  await go;
  let valid = 0;
  const problems: string[] = [];
  for (const sod of mine) {
    const result = await verifyDocumentSecurityObject(reader, sod, { at });
    if (result.ok && result.value.valid) valid += 1;
    else if (problems.length < 3) {
      problems.push(result.ok ? result.value.problems.join("; ") : result.error.message);
    }
  }
  port.postMessage({ kind: "done", documents: mine.length, valid, problems } satisfies WorkerMessage);
  await pool.value.end();
}

/** Starts `threads` workers, lets them warm up, then times them from one start signal to the last done. */
async function timePass(input: CheckCaseInput, threads: number): Promise<CheckPass> {
  const self = fileURLToPath(import.meta.url);
  const workers = Array.from(
    { length: threads },
    (_, index) =>
      new Worker(self, {
        workerData: {
          url: input.url,
          sodFile: input.sodFile,
          at: input.at,
          index,
          threads,
          warmup: input.warmup,
        } satisfies WorkerInput,
      }),
  );
  const message = (worker: Worker, kind: WorkerMessage["kind"]) =>
    new Promise<WorkerMessage>((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.kind !== kind) return;
        worker.off("message", onMessage);
        resolve(m);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
  await Promise.all(workers.map((w) => message(w, "ready")));
  const done = workers.map((w) => message(w, "done"));
  const started = performance.now();
  for (const worker of workers) worker.postMessage("go");
  const reports = (await Promise.all(done)) as Extract<WorkerMessage, { kind: "done" }>[];
  const elapsedMs = performance.now() - started;
  await Promise.all(workers.map((w) => w.terminate()));
  return {
    threads,
    documents: reports.reduce((sum, r) => sum + r.documents, 0),
    elapsedMs,
    valid: reports.reduce((sum, r) => sum + r.valid, 0),
    problems: reports.flatMap((r) => r.problems).slice(0, 3),
  };
}

async function main(): Promise<void> {
  const input = caseInput<CheckCaseInput>();
  const passes: CheckPass[] = [];
  reportOnStop<CheckCaseResult>(() => ({ loadMs: 0, rows: {}, passes, error: "stopped" }));
  const pool = await migratedPool(input.url);
  try {
    const started = performance.now();
    const synced = await syncTrustStore(
      pool,
      {
        masterLists: input.sources.masterLists,
        ldif: input.sources.ldif,
        trustAnchors: input.sources.trustAnchors,
        cscas: input.sources.cscas,
        crls: input.sources.crls,
      },
      { download: { maxBytes: MAX_SOURCE_BYTES } },
    );
    const loadMs = performance.now() - started;
    const rows = await tableCounts(pool);
    if (!synced.ok) {
      reportResult<CheckCaseResult>({
        loadMs,
        rows,
        passes,
        error: `${synced.error.code}: ${synced.error.message}`,
      });
      return;
    }
    for (const threads of input.threads) passes.push(await timePass(input, threads));
    reportResult<CheckCaseResult>({ loadMs, rows, passes });
  } finally {
    await pool.end();
  }
}

if (isMainThread) await main();
else await checkShare(workerData as WorkerInput);
