// The child side of a benchmark case: read the input, report progress and the result on stdout.

/** Prefix of the line carrying a case's final report. */
export const CASE_RESULT_PREFIX = "bench-result ";
/** Prefix of a progress line. */
export const CASE_PROGRESS_PREFIX = "bench-progress ";

/** The final line a case prints: its value and its own peak RSS. */
export interface CaseReport<T> {
  readonly value: T;
  /** `process.resourceUsage().maxRSS`, in kilobytes. */
  readonly maxRssKb: number;
}

/** The JSON input the harness passed to this child. */
export function caseInput<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("a benchmark case needs its JSON input as the first argument");
  return JSON.parse(raw) as T;
}

/**
 * When the harness stops this case (SIGTERM at its time limit, or Ctrl-C), reports what `partial()` returns
 * and exits at once: a case stuck in a lock wait could not finish its batch anyway. Open transactions are
 * rolled back by the server when the connection drops.
 */
export function reportOnStop<T>(partial: () => T): void {
  const stop = () => {
    reportResult(partial());
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/** Tells the harness how far the case is (shown live, and kept if the case must be stopped). */
export function reportProgress(progress: unknown): void {
  process.stdout.write(`${CASE_PROGRESS_PREFIX}${JSON.stringify(progress)}\n`);
}

/** Reports the case's result with this process's peak RSS; call once, at the end. */
export function reportResult<T>(value: T): void {
  const report: CaseReport<T> = { value, maxRssKb: process.resourceUsage().maxRSS };
  process.stdout.write(`${CASE_RESULT_PREFIX}${JSON.stringify(report)}\n`);
}

/**
 * The JavaScript heap still in use after a full collection (the harness starts cases with --expose-gc), in
 * MB: what the case retains, as opposed to garbage not yet collected; null when gc is not exposed.
 */
export function retainedHeapMb(): number | null {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) return null;
  collect();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}
