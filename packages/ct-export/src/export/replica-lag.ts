import {
  abortableSleep,
  openDataSource,
  parseConnectionUrl,
  redactUrl,
  type Logger,
  type MysqlConnectionSpec,
} from "@certs/db";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { DataSource } from "typeorm";

/** pt-archiver's `--check-slave-lag`: before each claim, a replica's lag is read and claims wait while it is too far behind. */
export interface ReplicaLagOptions {
  /**
   * The replica to watch: a `mysql://` or `mariadb://` URL (the run opens one connection of its own and closes
   * it at the end) or a `DataSource` you opened on it (left open). Its user needs `REPLICATION CLIENT`
   * (MySQL) or `SLAVE MONITOR` / `REPLICA MONITOR` (MariaDB 10.5+).
   */
  readonly replica: string | DataSource;
  /** Claims wait while the replica is more than this many seconds behind, or its lag is unknown. More than 0. */
  readonly maxLagSeconds: number;
  /** How often a paused run asks the replica again, in ms. Default 1000. */
  readonly pollMs?: number;
}

/** What the replica lag check did: claims paused (with why), or resumed after a pause. */
export type ReplicaLagEvent =
  | {
      readonly kind: "paused";
      /** The lag read, or null when it is unknown (replication stopped, replica unreachable, not a replica). */
      readonly lagSeconds: number | null;
      readonly maxLagSeconds: number;
      /** In words, e.g. "replica lag is 12 s, over the limit of 5 s". */
      readonly reason: string;
    }
  | {
      readonly kind: "resumed";
      readonly lagSeconds: number;
      readonly maxLagSeconds: number;
      /** How long claims waited. */
      readonly pausedMs: number;
    };

/** The lag a replica reports: whole seconds, or unknown with the reason. */
type ReplicaLag = { readonly seconds: number } | { readonly seconds: null; readonly reason: string };

const DEFAULT_POLL_MS = 1000;

/** Checks the replica settings; a bad one is a CONFIGURATION_ERROR naming it. */
export function validateReplicaLagOptions(options: ReplicaLagOptions): Result<void, AppError> {
  const { maxLagSeconds, pollMs } = options;
  if (!Number.isFinite(maxLagSeconds) || maxLagSeconds <= 0) {
    return err(configuration(`checkReplica.maxLagSeconds must be more than 0, got ${maxLagSeconds}.`));
  }
  if (pollMs !== undefined && (!Number.isFinite(pollMs) || pollMs < 10)) {
    return err(configuration(`checkReplica.pollMs must be at least 10, got ${pollMs}.`));
  }
  if (typeof options.replica === "string") {
    const spec = replicaSpec(options.replica);
    if (!spec.ok) return spec;
  }
  return ok(undefined);
}

function replicaSpec(url: string): Result<MysqlConnectionSpec, AppError> {
  const spec = parseConnectionUrl(url);
  if (!spec.ok) return err(configuration(`checkReplica.replica: ${spec.error.message}`));
  if (spec.value.kind !== "mysql") {
    return err(
      configuration(
        `checkReplica.replica must be a mysql:// or mariadb:// URL (replica lag is a MySQL/MariaDB notion), got '${redactUrl(url)}'.`,
      ),
    );
  }
  return ok(spec.value);
}

/**
 * Holds claims back while a replica lags: {@link ReplicaLagGate.waitForReplica} returns once the lag is at
 * most the limit, pausing (with one event and log line when the pause starts and one when it ends) otherwise.
 */
export class ReplicaLagGate {
  private connection: DataSource | undefined;
  private readonly ownsConnection: boolean;
  /** SHOW REPLICA STATUS is MariaDB 10.5+ / MySQL 8.0.22+; older servers only know SHOW SLAVE STATUS. */
  private statement: "SHOW REPLICA STATUS" | "SHOW SLAVE STATUS" = "SHOW REPLICA STATUS";

  constructor(
    private readonly options: ReplicaLagOptions,
    private readonly logger: Logger,
    private readonly onEvent: ((event: ReplicaLagEvent) => void) | undefined,
  ) {
    this.ownsConnection = typeof options.replica === "string";
    if (typeof options.replica !== "string") this.connection = options.replica;
  }

  /** Resolves when the replica is within the limit; CANCELLED when `signal` aborts first. */
  async waitForReplica(signal: AbortSignal | undefined): Promise<Result<void, AppError>> {
    const { maxLagSeconds } = this.options;
    let pausedAt: number | undefined;
    for (;;) {
      if (signal?.aborted === true)
        return err(appError(ErrorCode.CANCELLED, "Cancelled while waiting for the replica."));
      const lag = await this.readLag();
      if (lag.seconds !== null && lag.seconds <= maxLagSeconds) {
        if (pausedAt !== undefined) {
          const pausedMs = Math.round(performance.now() - pausedAt);
          this.logger.info(
            { lagSeconds: lag.seconds, maxLagSeconds, pausedMs },
            `replica lag is ${lag.seconds} s again; claims resume`,
          );
          this.onEvent?.({ kind: "resumed", lagSeconds: lag.seconds, maxLagSeconds, pausedMs });
        }
        return ok(undefined);
      }
      const reason =
        lag.seconds === null
          ? `replica lag is unknown: ${lag.reason}`
          : `replica lag is ${lag.seconds} s, over the limit of ${maxLagSeconds} s`;
      if (pausedAt === undefined) {
        pausedAt = performance.now();
        this.logger.warn(
          { lagSeconds: lag.seconds, maxLagSeconds },
          `${reason}; claims pause until it is back`,
        );
        this.onEvent?.({ kind: "paused", lagSeconds: lag.seconds, maxLagSeconds, reason });
      } else {
        this.logger.debug({ lagSeconds: lag.seconds, maxLagSeconds }, `${reason}; still paused`);
      }
      await abortableSleep(this.options.pollMs ?? DEFAULT_POLL_MS, signal);
    }
  }

  /** Closes the connection the gate opened itself. */
  async close(): Promise<void> {
    if (this.ownsConnection && this.connection?.isInitialized === true) {
      await this.connection.destroy().catch(() => undefined);
    }
    this.connection = undefined;
  }

  private async readLag(): Promise<ReplicaLag> {
    const connected = await this.connect();
    if (!connected.ok) return { seconds: null, reason: connected.error.message };
    try {
      return lagOf(await this.status(connected.value));
    } catch (error) {
      return { seconds: null, reason: `the replica could not be asked (${describe(error)})` };
    }
  }

  private async status(connection: DataSource): Promise<Record<string, unknown>[]> {
    try {
      return (await connection.query(this.statement)) as Record<string, unknown>[];
    } catch (error) {
      if (this.statement === "SHOW SLAVE STATUS" || !isSyntaxError(error)) throw error;
      this.statement = "SHOW SLAVE STATUS";
      return (await connection.query(this.statement)) as Record<string, unknown>[];
    }
  }

  private async connect(): Promise<Result<DataSource, AppError>> {
    if (this.connection !== undefined) return ok(this.connection);
    // Validated up front; here only to narrow the type.
    const spec = replicaSpec(this.options.replica as string);
    if (!spec.ok) return spec;
    // Opened again on the next poll when the replica was unreachable.
    const opened = await openDataSource(spec.value, { poolSize: 1, connectTimeoutMs: 5_000 });
    if (!opened.ok) return opened;
    this.connection = opened.value;
    return opened;
  }
}

/** The lag in one status result: the largest of its channels', unknown when any is NULL or there is none. */
function lagOf(rows: readonly Record<string, unknown>[]): ReplicaLag {
  if (rows.length === 0)
    return { seconds: null, reason: "the server is not a replica (its replica status is empty)" };
  let worst = 0;
  for (const row of rows) {
    const value = row.Seconds_Behind_Source ?? row.Seconds_Behind_Master;
    const seconds = value === null || value === undefined ? Number.NaN : Number(value);
    if (!Number.isFinite(seconds)) {
      const io = row.Replica_IO_Running ?? row.Slave_IO_Running;
      const sql = row.Replica_SQL_Running ?? row.Slave_SQL_Running;
      return {
        seconds: null,
        reason: `the replica reports no lag, replication is not running (IO thread: ${String(io ?? "?")}, SQL thread: ${String(sql ?? "?")})`,
      };
    }
    worst = Math.max(worst, seconds);
  }
  return { seconds: worst };
}

/** ER_PARSE_ERROR: a server too old for SHOW REPLICA STATUS. */
function isSyntaxError(error: unknown): boolean {
  const fields = error as { errno?: unknown; driverError?: { errno?: unknown } } | null;
  return (fields?.errno ?? fields?.driverError?.errno) === 1064;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function configuration(message: string): AppError {
  return appError(ErrorCode.CONFIGURATION_ERROR, message);
}
