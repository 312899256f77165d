import type { KeyObject } from "node:crypto";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type Logger, silentLogger } from "@certs/db";
import { packSignatureBatch, type SignatureBatchReply, transferredBuffers } from "./signature-batch.js";
import { checkSignatureTask, type SignatureTask } from "./trusted-cscas.js";

/** Options of `SignaturePool`. */
export interface SignaturePoolOptions {
  /** Worker threads; default `os.availableParallelism()`; 0 checks everything in the calling thread. */
  readonly threads?: number;
  /** Signatures checked in the calling thread before any worker starts (a small sync never starts one). */
  readonly inThreadUpTo?: number;
  readonly logger?: Logger;
}

/** Below this many signatures a sync checks them itself: starting workers would cost more than it saves. */
const IN_THREAD_SIGNATURES = 1024;

// Built, this module is bundled into dist/ (index or a chunk) beside dist/verify/signature-worker.js.
const WORKER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./signature-worker.ts" : "./verify/signature-worker.js",
  import.meta.url,
);

function startWorker(): Worker {
  if (!WORKER_URL.pathname.endsWith(".ts")) return new Worker(WORKER_URL);
  // From source (tests, tsx): Node 20 does not carry tsx's loader into workers, so the worker registers it.
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(bootstrap, { eval: true });
}

interface Waiting {
  readonly resolve: (verifiedBy: Int16Array) => void;
  readonly reject: (error: Error) => void;
}

/** One worker and the batches it has not answered yet. */
class PoolWorker {
  readonly waiting = new Map<number, Waiting>();
  /** Whether the worker is listening: until then batches are checked in the calling thread, not queued. */
  online = false;
  /** Resolves when the worker is listening, or when it failed before (then `online` stays false). */
  readonly ready: Promise<void>;
  private readonly worker = startWorker();
  private markReady: () => void = () => {};

  constructor(onFailure: (error: Error) => void) {
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    // Idle workers must not keep the process alive; `send` refs it while a batch is out.
    this.worker.unref();
    this.worker.on("message", (reply: SignatureBatchReply) => {
      if ("ready" in reply) {
        this.online = true;
        this.markReady();
        return;
      }
      const waiting = this.waiting.get(reply.id);
      if (waiting === undefined) return;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) this.worker.unref();
      if ("error" in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.verifiedBy);
    });
    const fail = (error: Error) => {
      this.online = false;
      this.markReady();
      for (const waiting of this.waiting.values()) waiting.reject(error);
      this.waiting.clear();
      onFailure(error);
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the signature worker stopped (exit code ${code})`)));
  }

  send(
    tasks: readonly SignatureTask[],
    id: number,
    spki: (key: KeyObject) => Uint8Array,
  ): Promise<Int16Array> {
    const batch = packSignatureBatch(id, tasks, spki);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(batch, transferredBuffers(batch));
    });
  }

  /** Ends the worker; batches it has not answered are rejected (and checked by the caller instead). */
  async close(): Promise<void> {
    this.worker.removeAllListeners("exit");
    for (const waiting of this.waiting.values()) waiting.reject(new Error("the signature pool was closed"));
    this.waiting.clear();
    await this.worker.terminate();
  }
}

/**
 * Checks DSC and CRL signatures in worker threads (node:crypto, one thread per core by default), so that a
 * PKD's 50,000 checks use every core while the calling thread parses and stores. Batches go to the least
 * busy worker; a worker that fails is dropped and its batches are checked in the calling thread, so a broken
 * pool slows a sync down but never changes an outcome. `close` ends the workers.
 */
export class SignaturePool {
  private readonly threads: number;
  private readonly inThreadUpTo: number;
  private readonly logger: Logger;
  private workers: PoolWorker[] | null = null;
  /** Signatures checked so far, in the calling thread and in workers. */
  readonly checked = { inThread: 0, inWorkers: 0 };
  private seen = 0;
  private nextId = 0;
  private failed = false;
  private readonly spkis = new WeakMap<KeyObject, Uint8Array>();

  constructor(options: SignaturePoolOptions = {}) {
    this.threads = Math.max(0, Math.floor(options.threads ?? availableParallelism()));
    this.inThreadUpTo = options.inThreadUpTo ?? IN_THREAD_SIGNATURES;
    this.logger = options.logger ?? silentLogger;
  }

  /** Per task, the index of the candidate whose key verifies it, or -1 (as `checkSignatureTask`). */
  async check(tasks: readonly SignatureTask[]): Promise<Int16Array> {
    this.seen += tasks.length;
    const workers = this.seen > this.inThreadUpTo ? this.startedWorkers().filter((w) => w.online) : [];
    const worker = workers.reduce<PoolWorker | undefined>(
      (best, w) => (best === undefined || w.waiting.size < best.waiting.size ? w : best),
      undefined,
    );
    if (worker !== undefined && tasks.length > 0) {
      try {
        const verifiedBy = await worker.send(tasks, (this.nextId += 1), (key) => this.spki(key));
        this.checked.inWorkers += tasks.length;
        return verifiedBy;
      } catch (error) {
        this.dropWorkers(error);
      }
    }
    this.checked.inThread += tasks.length;
    return Int16Array.from(tasks, checkSignatureTask);
  }

  /** Starts the workers now (whatever was checked so far) and resolves with how many are ready. */
  async start(): Promise<number> {
    const workers = this.startedWorkers();
    await Promise.all(workers.map((w) => w.ready));
    return workers.filter((w) => w.online).length;
  }

  /** Ends the workers (checks still running in them are answered in the calling thread). */
  async close(): Promise<void> {
    const workers = this.workers ?? [];
    this.workers = [];
    this.failed = true;
    await Promise.all(workers.map((w) => w.close()));
  }

  private startedWorkers(): PoolWorker[] {
    if (this.workers === null && !this.failed) {
      try {
        this.workers = Array.from({ length: this.threads }, () => new PoolWorker((e) => this.dropWorkers(e)));
        this.logger.debug({ threads: this.threads }, "signature workers started");
      } catch (error) {
        this.dropWorkers(error);
      }
    }
    return this.workers ?? [];
  }

  private dropWorkers(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const workers = this.workers ?? [];
    this.workers = [];
    for (const worker of workers) void worker.close().catch(() => undefined);
    this.logger.warn(
      { error: error instanceof Error ? error.message : String(error) },
      "signature workers failed; checking signatures in this thread",
    );
  }

  private spki(key: KeyObject): Uint8Array {
    let der = this.spkis.get(key);
    if (der === undefined) {
      der = new Uint8Array(key.export({ type: "spki", format: "der" }));
      this.spkis.set(key, der);
    }
    return der;
  }
}
