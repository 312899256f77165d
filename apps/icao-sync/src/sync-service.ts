import type { Logger } from "@certs/db";
import type {
  ConditionalSync,
  SourceDownload,
  SyncOutcome,
  TableCounts,
  VerificationReport,
} from "@certs/icao-sync";
import type { Result } from "@certs/result";
import { Cron } from "croner";
import type { SyncMetrics } from "./metrics.js";
import type { RunSummary } from "./worker-sync.js";

/** What started a run. */
export type RunTrigger = "startup" | "schedule" | "manual";

/** One run, as `/info` shows it. */
export interface RunRecord {
  readonly trigger: RunTrigger;
  /** ISO 8601 UTC. */
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /** `running` until it ends; then the sync's status, or `failed` / `cancelled`. */
  readonly status: "running" | SyncOutcome["status"] | "failed" | "cancelled";
  readonly durationMs: number | null;
  readonly counts: TableCounts | null;
  readonly syncId: string | null;
  readonly verification: VerificationReport | null;
  /** True for "unchanged (304)": every source answered Not Modified, nothing was parsed or written. */
  readonly notModified: boolean;
  /** The http(s) sources as downloaded (bytes, ETag, Last-Modified; URLs without credentials). */
  readonly downloads: readonly SourceDownload[];
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** What {@link SyncService.trigger} did. */
export type TriggerResult =
  | { readonly started: true; readonly run: RunRecord }
  | { readonly started: false; readonly reason: "running" | "not_ready" | "stopping" };

/** Settings of {@link SyncService}. */
export interface SyncServiceOptions {
  /** One sync (in `serve`, in a worker thread); `signal` aborts when the service stops. */
  readonly runSync: (
    signal: AbortSignal,
    conditional: ConditionalSync | undefined,
  ) => Promise<Result<RunSummary>>;
  /** A cron pattern (croner syntax, the process's time zone). */
  readonly schedule: string;
  readonly logger: Logger;
  /** Told about every run that ends. */
  readonly metrics?: SyncMetrics;
}

/**
 * Runs syncs one at a time: on a cron schedule, on request, and once at start-up if asked. Keeps the
 * outcome of the last run for `/info`. Runs only start once the schema is ready (`markReady`).
 */
export class SyncService {
  private readonly options: SyncServiceOptions;
  private readonly cron: Cron;
  private ready = false;
  private stopping = false;
  private current: { record: RunRecord; done: Promise<void>; controller: AbortController } | undefined;
  private last: RunRecord | undefined;
  private lastSuccess: RunRecord | undefined;
  // The last successful run's downloads, sent back as If-None-Match / If-Modified-Since.
  private conditional: ConditionalSync | undefined;

  constructor(options: SyncServiceOptions) {
    this.options = options;
    this.cron = new Cron(options.schedule, { paused: true, catch: true }, () => {
      const result = this.trigger("schedule");
      if (!result.started) {
        options.logger.warn({ reason: result.reason }, "scheduled sync skipped");
      }
    });
  }

  /** The schema is in place: scheduled runs may start. */
  markReady(): void {
    this.ready = true;
    this.cron.resume();
  }

  /** True once `markReady` was called and until `stop`. */
  isReady(): boolean {
    return this.ready && !this.stopping;
  }

  /** The run in flight, if any. */
  currentRun(): RunRecord | undefined {
    return this.current?.record;
  }

  /** The last run that ended, whatever its outcome. */
  lastRun(): RunRecord | undefined {
    return this.last;
  }

  /** The last run that replaced the tables or found them current. */
  lastSuccessfulRun(): RunRecord | undefined {
    return this.lastSuccess;
  }

  /** When the schedule fires next; null once stopped. */
  nextRun(): Date | null {
    return this.stopping ? null : this.cron.nextRun();
  }

  /** Starts a run now, unless one is running, the schema is not ready, or the service is stopping. */
  trigger(trigger: RunTrigger): TriggerResult {
    if (this.stopping) return { started: false, reason: "stopping" };
    if (!this.ready) return { started: false, reason: "not_ready" };
    if (this.current !== undefined) return { started: false, reason: "running" };
    const controller = new AbortController();
    const startedAt = new Date();
    const record: RunRecord = {
      trigger,
      startedAt: startedAt.toISOString(),
      finishedAt: null,
      status: "running",
      durationMs: null,
      counts: null,
      syncId: null,
      verification: null,
      notModified: false,
      downloads: [],
      error: null,
    };
    this.options.logger.info({ trigger }, "sync starting");
    const done = this.execute(record, controller.signal).finally(() => {
      this.current = undefined;
    });
    this.current = { record, done, controller };
    return { started: true, run: record };
  }

  private async execute(record: RunRecord, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    let finished: RunRecord;
    try {
      const outcome = await this.options.runSync(signal, this.conditional);
      const common = {
        finishedAt: new Date().toISOString(),
        durationMs: Math.round(performance.now() - started),
      };
      if (outcome.ok) {
        finished = {
          ...record,
          ...common,
          status: outcome.value.status,
          counts: outcome.value.counts,
          syncId: outcome.value.syncId,
          verification: outcome.value.verification,
          notModified: outcome.value.notModified,
          downloads: outcome.value.downloads,
        };
        if (outcome.value.status !== "dry_run" && outcome.value.downloads.length > 0) {
          this.conditional = {
            inputDigest: outcome.value.inputDigest,
            downloads: outcome.value.downloads,
          };
        }
        this.options.logger.info(
          {
            trigger: record.trigger,
            status: finished.status,
            ...(finished.notModified ? { notModified: true } : {}),
            counts: finished.counts,
            durationMs: finished.durationMs,
          },
          "sync finished",
        );
      } else {
        const cancelled = outcome.error.code === "CANCELLED";
        finished = {
          ...record,
          ...common,
          status: cancelled ? "cancelled" : "failed",
          error: { code: outcome.error.code, message: outcome.error.message },
        };
        this.options.logger.error({ trigger: record.trigger, error: finished.error }, "sync failed");
      }
    } catch (error) {
      // A bug, not a sync failure: record it so /info shows it, and keep serving.
      finished = {
        ...record,
        finishedAt: new Date().toISOString(),
        durationMs: Math.round(performance.now() - started),
        status: "failed",
        error: { code: "UNEXPECTED_ERROR", message: error instanceof Error ? error.message : String(error) },
      };
      this.options.logger.error({ trigger: record.trigger, error: finished.error }, "sync crashed");
    }
    this.last = finished;
    this.options.metrics?.recordRun(finished);
    if (finished.status === "replaced" || finished.status === "unchanged") this.lastSuccess = finished;
  }

  /**
   * Stops the schedule, refuses new runs, and waits for the run in flight: one still reading its sources
   * is cancelled before it writes; one already writing finishes (or rolls back) its transaction.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cron.stop();
    const current = this.current;
    if (current === undefined) return;
    current.controller.abort(new Error("shutting down"));
    await current.done;
  }
}
