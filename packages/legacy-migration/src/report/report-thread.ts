import { Worker } from "node:worker_threads";
import type {
  ReportFailure,
  ReportReply,
  ReportRequest,
  ReportRows,
  ReportWorkerStart,
} from "./report-messages.js";

// Built, the writer is bundled into dist/ (index or a chunk) beside dist/report/report-worker.js.
const WORKER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./report-worker.ts" : "./report/report-worker.js",
  import.meta.url,
);

function startWorker(start: ReportWorkerStart): Worker {
  if (!WORKER_URL.pathname.endsWith(".ts")) return new Worker(WORKER_URL, { workerData: start });
  // From source (tests, tsx): Node 20 does not carry tsx's loader into workers, so the worker registers it,
  // without its compile cache (a directory in the temp dir, which a report leaves as it found it).
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `process.env.TSX_DISABLE_CACHE = "1"; import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: start });
}

/**
 * The report's worker thread, seen from the calling thread: rows go out as batches, `written` counts them
 * back, and a request (`finish`, `discard`, the start) waits for the thread's answer. A thread that dies
 * answers every wait with a failure, so nothing waits on it for ever; an idle thread never keeps the
 * process alive.
 */
export class ReportThread {
  /** Rows posted and not yet written: what back-pressure counts. */
  pendingRows = 0;
  /** Whether the file has failed or the thread has stopped: later rows are not worth sending. */
  dropping = false;
  private stopped: ReportFailure | undefined;
  private answer: ((reply: Extract<ReportReply, { kind: "done" | "ready" }>) => void) | undefined;
  private readonly worker: Worker;

  /** Starts the thread; `onWritten` is called whenever rows were written (or the thread stopped). */
  constructor(
    start: ReportWorkerStart,
    private readonly onWritten: () => void,
  ) {
    this.worker = startWorker(start);
    this.worker.unref();
    this.worker.on("message", (reply: ReportReply) => {
      if (reply.kind === "written") {
        this.pendingRows -= reply.rows;
        if (reply.fileFailed) this.dropping = true;
        this.updateRef();
        this.onWritten();
        return;
      }
      const answer = this.answer;
      this.answer = undefined;
      this.updateRef();
      answer?.(reply);
    });
    this.worker.on("error", (error) => this.stop(`the report's worker thread failed: ${error.message}`));
    this.worker.on("exit", (code) => this.stop(`the report's worker thread stopped (exit code ${code})`));
  }

  /** Waits for the thread to be ready; a failure when the file could not be opened or the thread died. */
  async ready(): Promise<ReportFailure | undefined> {
    const reply = await this.request(undefined);
    return reply.kind === "done"
      ? (reply.failure ?? { message: "the report's worker thread ended" })
      : undefined;
  }

  /** Posts a batch of rows (dropped once the thread stopped or the file failed). */
  send(rows: ReportRows): void {
    if (this.dropping || rows.rows === 0) return;
    this.pendingRows += rows.rows;
    this.updateRef();
    this.worker.postMessage(rows);
  }

  /** Sends `finish` or `discard` and waits for the thread's answer: the failure, if there was one. */
  async end(request: Exclude<ReportRequest, ReportRows>): Promise<ReportFailure | undefined> {
    const reply = await this.request(request);
    return reply.kind === "done" ? reply.failure : undefined;
  }

  private request(
    message: ReportRequest | undefined,
  ): Promise<Extract<ReportReply, { kind: "done" | "ready" }>> {
    if (this.stopped !== undefined) return Promise.resolve({ kind: "done", failure: this.stopped });
    return new Promise((resolve) => {
      this.answer = resolve;
      this.updateRef();
      if (message !== undefined) this.worker.postMessage(message);
    });
  }

  private stop(reason: string): void {
    this.stopped ??= { message: reason };
    this.dropping = true;
    this.pendingRows = 0;
    const answer = this.answer;
    this.answer = undefined;
    answer?.({ kind: "done", failure: this.stopped });
    this.onWritten();
  }

  /** Keeps the process alive only while the thread has work the caller waits for. */
  private updateRef(): void {
    if (this.stopped !== undefined) return;
    if (this.pendingRows > 0 || this.answer !== undefined) this.worker.ref();
    else this.worker.unref();
  }
}
