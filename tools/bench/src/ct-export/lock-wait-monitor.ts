import mysql, { type RowDataPacket } from "mysql2/promise";

/** One transaction seen waiting for a row lock another transaction holds. */
export interface LockWait {
  readonly waitingThread: string;
  readonly waitingQuery: string | null;
  readonly waitingLock: string;
  readonly blockingThread: string;
  /** Usually null: the blocker is idle in its transaction (between statements). */
  readonly blockingQuery: string | null;
  readonly blockingLock: string;
  readonly blockingRowsLocked: number;
  /** The longest this wait was seen lasting, in seconds. */
  readonly longestSeconds: number;
  /** The optimizer's plan for the waiting statement, taken during the wait (when it could be re-explained). */
  readonly plan: string | null;
}

/** What the monitor saw over one case. */
export interface LockWaitReport {
  readonly waits: readonly LockWait[];
  /** `SHOW ENGINE INNODB STATUS`'s TRANSACTIONS section, taken during the longest wait seen. */
  readonly innodbStatus: string | null;
}

const POLL_MS = 500;
/** A wait this long is a stall worth a full InnoDB status snapshot. */
const SNAPSHOT_AFTER_SECONDS = 1;

/**
 * Polls InnoDB's lock-wait tables on a connection of its own while a case runs, and records which statement
 * waited on which transaction, for how long, and on what lock. Call `stop()` when the case ends (again: same report).
 */
export async function watchLockWaits(url: string): Promise<{ stop(): Promise<LockWaitReport> }> {
  const connection = await mysql.createConnection({
    uri: url,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  const waits = new Map<string, LockWait>();
  /** When each wait (waiting transaction + requested lock) was first seen. */
  const firstSeen = new Map<string, number>();
  let innodbStatus: string | null = null;
  let snapshotSeconds = 0;
  let stopped = false;

  const poll = async (): Promise<void> => {
    const [rows] = await connection.query<RowDataPacket[]>(
      `SELECT w.requesting_trx_id AS waiting_trx, w.requested_lock_id AS requested_lock,
              r.trx_mysql_thread_id AS waiting_thread, r.trx_query AS waiting_query,
              TIMESTAMPDIFF(MICROSECOND, r.trx_wait_started, NOW(6)) / 1e6 AS wait_seconds,
              CONCAT(rl.lock_mode, ' ', rl.lock_type, ' on ', COALESCE(rl.lock_index, '-'), ' ', COALESCE(rl.lock_data, '')) AS waiting_lock,
              b.trx_mysql_thread_id AS blocking_thread, b.trx_query AS blocking_query, b.trx_rows_locked AS blocking_rows,
              CONCAT(bl.lock_mode, ' ', bl.lock_type, ' on ', COALESCE(bl.lock_index, '-'), ' ', COALESCE(bl.lock_data, '')) AS blocking_lock
         FROM information_schema.innodb_lock_waits w
         JOIN information_schema.innodb_trx r ON r.trx_id = w.requesting_trx_id
         JOIN information_schema.innodb_trx b ON b.trx_id = w.blocking_trx_id
         LEFT JOIN information_schema.innodb_locks rl ON rl.lock_id = w.requested_lock_id
         LEFT JOIN information_schema.innodb_locks bl ON bl.lock_id = w.blocking_lock_id`,
    );
    const now = performance.now();
    for (const row of rows) {
      const key = `${String(row["waiting_trx"])}|${String(row["requested_lock"])}`;
      const since = firstSeen.get(key) ?? now;
      firstSeen.set(key, since);
      // The server's own wait start is sometimes stale (seen: 49 s for a transaction active for 0 s), so it
      // is capped by how long this monitor has actually watched the wait.
      const seconds = Math.min(Number(row["wait_seconds"] ?? 0), (now - since + POLL_MS) / 1000);
      const seen = waits.get(key);
      const plan =
        seen?.plan ??
        (seconds >= SNAPSHOT_AFTER_SECONDS ? await explain(connection, row["waiting_query"]) : null);
      const wait: LockWait = {
        waitingThread: String(row["waiting_thread"]),
        waitingQuery: shorten(row["waiting_query"]),
        waitingLock: String(row["waiting_lock"] ?? "?"),
        blockingThread: String(row["blocking_thread"]),
        blockingQuery: shorten(row["blocking_query"]),
        blockingLock: String(row["blocking_lock"] ?? "?"),
        blockingRowsLocked: Number(row["blocking_rows"] ?? 0),
        longestSeconds: seconds,
        plan,
      };
      if (seen === undefined || seen.longestSeconds < seconds) waits.set(key, wait);
      if (seconds >= SNAPSHOT_AFTER_SECONDS && seconds > snapshotSeconds) {
        snapshotSeconds = seconds;
        innodbStatus = await transactionsSection(connection);
      }
    }
  };

  const loop = (async () => {
    while (!stopped) {
      await poll().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();

  let report: Promise<LockWaitReport> | undefined;
  return {
    stop() {
      report ??= (async () => {
        stopped = true;
        await loop;
        await connection.end().catch(() => undefined);
        return {
          waits: [...waits.values()].sort((a, b) => b.longestSeconds - a.longestSeconds),
          innodbStatus,
        };
      })();
      return report;
    },
  };
}

/** EXPLAIN of a waiting DELETE/UPDATE/SELECT, if InnoDB showed it whole (it cuts long statements). */
async function explain(connection: mysql.Connection, query: unknown): Promise<string | null> {
  if (
    typeof query !== "string" ||
    !/^\s*(DELETE|UPDATE|SELECT)\b/i.test(query) ||
    !query.trim().endsWith(")")
  ) {
    return null;
  }
  try {
    const [plan] = await connection.query<RowDataPacket[]>(`EXPLAIN ${query}`);
    const [estimate] = await connection.query<RowDataPacket[]>(
      "SELECT table_rows FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'certs'",
    );
    const steps = plan.map(
      (step) =>
        `type ${String(step["type"])}, key ${String(step["key"] ?? "none")}, rows ${String(step["rows"])}`,
    );
    return `${steps.join("; ")} (the optimizer's estimate of the table: ${String(estimate[0]?.["table_rows"] ?? "?")} rows)`;
  } catch {
    return null;
  }
}

async function transactionsSection(connection: mysql.Connection): Promise<string | null> {
  const [rows] = await connection.query<RowDataPacket[]>("SHOW ENGINE INNODB STATUS");
  const status = String(rows[0]?.["Status"] ?? "");
  const start = status.indexOf("TRANSACTIONS\n------------");
  if (start < 0) return null;
  const end = status.indexOf("--------\nFILE I/O", start);
  return status.slice(start, end < 0 ? undefined : end).trim();
}

function shorten(query: unknown): string | null {
  if (query === null || query === undefined) return null;
  const text = String(query).replace(/\s+/g, " ");
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
