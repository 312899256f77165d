import { SingleBar } from "cli-progress";
import type { Logger } from "@certs/db";

/** Something a long job reports to as it goes. */
export interface ProgressReporter {
  /** Sets the total when it becomes known. */
  setTotal(total: number): void;
  /** Sets the number of units done, with optional counters shown beside the bar. */
  update(done: number, counters?: Readonly<Record<string, number>>): void;
  /** Ends the display. */
  stop(): void;
}

/**
 * A progress bar with rate and ETA on a terminal; otherwise a log line at most every `intervalMs`
 * (default 10 s), so logs collected by a service stay readable.
 */
export function createProgress(options: {
  readonly label: string;
  readonly unit: string;
  readonly logger: Logger;
  readonly interactive?: boolean;
  readonly intervalMs?: number;
}): ProgressReporter {
  const interactive = options.interactive ?? Boolean(process.stderr.isTTY);
  let total = 0;
  if (interactive) {
    const bar = new SingleBar({
      format: `${options.label} [{bar}] {percentage}% | {value}/{total} ${options.unit} | {rate}/s | ETA {eta_formatted} {counters}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    });
    const started = Date.now();
    bar.start(0, 0, { rate: "0", counters: "" });
    return {
      setTotal(value) {
        total = value;
        bar.setTotal(value);
      },
      update(done, counters = {}) {
        if (done > total) bar.setTotal((total = done));
        const seconds = Math.max((Date.now() - started) / 1000, 0.001);
        const text = Object.entries(counters)
          .map(([name, value]) => `${name} ${value}`)
          .join(" ");
        bar.update(done, { rate: (done / seconds).toFixed(0), counters: text });
      },
      stop: () => bar.stop(),
    };
  }
  const intervalMs = options.intervalMs ?? 10_000;
  let lastLog = 0;
  const started = Date.now();
  return {
    setTotal(value) {
      total = value;
    },
    update(done, counters = {}) {
      const now = Date.now();
      if (now - lastLog < intervalMs) return;
      lastLog = now;
      const seconds = Math.max((now - started) / 1000, 0.001);
      options.logger.info(
        { done, total, rate: Math.round(done / seconds), ...counters },
        `${options.label}: ${done}${total ? `/${total}` : ""} ${options.unit}`,
      );
    },
    stop() {},
  };
}
