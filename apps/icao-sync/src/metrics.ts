import type { TableCounts } from "@certs/icao-sync";

/** What the metrics need of a finished run (the service's run record has these fields). */
export interface MeteredRun {
  readonly status: string;
  readonly durationMs: number | null;
  readonly finishedAt: string | null;
  readonly downloads: readonly { readonly bytes: number }[];
}

/** The content type of the Prometheus text exposition format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const STATUSES = ["replaced", "unchanged", "dry_run", "failed", "cancelled"] as const;
// Seconds: a small list syncs in well under a second, the full PKD in tens of seconds.
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TABLES = ["root_ca", "dsc", "crls", "revoked_certificate_list"] as const;

/**
 * The counters of `serve` since it started, written in the Prometheus text format by hand (five metric
 * families do not need a client library).
 */
export class SyncMetrics {
  private readonly syncs = new Map<string, number>(STATUSES.map((status) => [status, 0]));
  private readonly bucketCounts = DURATION_BUCKETS.map(() => 0);
  private durationCount = 0;
  private durationSum = 0;
  private bytesDownloaded = 0;
  private lastSuccessSeconds: number | undefined;

  /** Counts a run that ended. */
  recordRun(run: MeteredRun): void {
    if (run.status === "running") return;
    this.syncs.set(run.status, (this.syncs.get(run.status) ?? 0) + 1);
    if (run.durationMs !== null) {
      const seconds = run.durationMs / 1000;
      this.durationCount += 1;
      this.durationSum += seconds;
      DURATION_BUCKETS.forEach((bound, i) => {
        if (seconds <= bound) this.bucketCounts[i] = (this.bucketCounts[i] ?? 0) + 1;
      });
    }
    this.bytesDownloaded += run.downloads.reduce((sum, d) => sum + d.bytes, 0);
    if ((run.status === "replaced" || run.status === "unchanged") && run.finishedAt !== null) {
      this.lastSuccessSeconds = Date.parse(run.finishedAt) / 1000;
    }
  }

  /** The exposition text; `tables` are the rows the store holds now (null when it cannot be read). */
  render(tables: TableCounts | null): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

    family(
      "certs_icao_sync_syncs_total",
      "counter",
      "Syncs that ended since the service started, by status.",
    );
    for (const [status, count] of this.syncs) {
      lines.push(`certs_icao_sync_syncs_total{status="${labelValue(status)}"} ${count}`);
    }
    family(
      "certs_icao_sync_last_success_timestamp_seconds",
      "gauge",
      "When the last successful sync (replaced or unchanged) ended, in Unix seconds.",
    );
    if (this.lastSuccessSeconds !== undefined) {
      lines.push(`certs_icao_sync_last_success_timestamp_seconds ${this.lastSuccessSeconds}`);
    }
    family("certs_icao_sync_table_rows", "gauge", "Rows in each trust-store table.");
    if (tables !== null) {
      for (const table of TABLES) lines.push(`certs_icao_sync_table_rows{table="${table}"} ${tables[table]}`);
    }
    family("certs_icao_sync_duration_seconds", "histogram", "How long each sync took.");
    DURATION_BUCKETS.forEach((bound, i) => {
      lines.push(`certs_icao_sync_duration_seconds_bucket{le="${bound}"} ${this.bucketCounts[i] ?? 0}`);
    });
    lines.push(
      `certs_icao_sync_duration_seconds_bucket{le="+Inf"} ${this.durationCount}`,
      `certs_icao_sync_duration_seconds_sum ${this.durationSum}`,
      `certs_icao_sync_duration_seconds_count ${this.durationCount}`,
    );
    family(
      "certs_icao_sync_downloaded_bytes_total",
      "counter",
      "Body bytes downloaded from http(s) sources (a 304 adds none).",
    );
    lines.push(`certs_icao_sync_downloaded_bytes_total ${this.bytesDownloaded}`);
    return `${lines.join("\n")}\n`;
  }
}

// The exposition format escapes backslash, double quote and line feed in label values.
function labelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
