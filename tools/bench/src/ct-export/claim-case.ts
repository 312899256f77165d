// One ct-export case in a process of its own: the job under test (`exportCerts`), the raw mysql2
// claim-and-delete loop it is compared with, or that loop writing each file before its delete (no overlap).
// Run by the harness, compiled: `node claim-case.mjs '<json>'` (see case-bundle.ts).
import { exportCerts, CertEntity, writePendingFile } from "@certs/ct-export";
import { openDataSource, parseConnectionUrl } from "@certs/db";
import mysql, { type RowDataPacket } from "mysql2/promise";
import { caseInput, reportOnStop, reportProgress, reportResult, retainedHeapMb } from "../case-process.js";

/** What the harness asks of this process. */
export interface ClaimCaseInput {
  /** `raw`: claim and delete only; `sequential`: the same, writing each file (durably) before the delete. */
  readonly mode: "raw" | "sequential" | "export";
  /** The database holding a freshly filled `certs` table. */
  readonly url: string;
  readonly batchSize: number;
  /** Where files go (unused by the raw loop). */
  readonly outputDir: string;
}

/** What this process reports. */
export interface ClaimCaseResult {
  readonly rows: number;
  readonly batches: number;
  /** From the first claim to the last commit; connecting is not counted. */
  readonly elapsedMs: number;
  /** `drained`, `stopped` (by the harness, at the time limit), or `failed`. */
  readonly stoppedBy: string;
  readonly error?: string;
  /** RSS once modules are loaded and connected, before the timed section: the floor under the peak. */
  readonly startRssMb: number;
  /** CPU time (user + system) this process spent in the timed section. */
  readonly cpuMs: number;
  /** Heap in use after a full collection at the end (before disconnecting): what the run kept. */
  readonly retainedHeapMb?: number | null;
}

const PROGRESS_EVERY_MS = 1000;
const input = caseInput<ClaimCaseInput>();
/** Rows and batches done so far, and when the timed section began (null until then). */
const done = {
  rows: 0,
  batches: 0,
  started: null as number | null,
  lastProgress: 0,
  startRssMb: 0,
  startCpu: process.cpuUsage(),
};
reportOnStop<ClaimCaseResult>(() => ({
  rows: done.rows,
  batches: done.batches,
  elapsedMs: done.started === null ? 0 : performance.now() - done.started,
  stoppedBy: "stopped",
  startRssMb: done.startRssMb,
  cpuMs: cpuMsSinceStart(),
}));

reportResult(input.mode === "export" ? await exportJob(input) : await rawLoop(input));

/**
 * The baseline: BEGIN; SELECT ... ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED; DELETE ... WHERE id IN (...);
 * COMMIT — the same claim and delete as the job, on one plain mysql2 connection, writing no files. In
 * `sequential` mode each batch is also written with `writePendingFile` (temp file, fsync, link, directory
 * fsync) before its delete: the job without its overlap and journal, for reference.
 */
async function rawLoop(settings: ClaimCaseInput): Promise<ClaimCaseResult> {
  const connection = await mysql.createConnection({
    uri: settings.url,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: "utf8mb4",
  });
  const started = begin();
  try {
    for (;;) {
      await connection.query("BEGIN");
      const [claimed] = await connection.query<RowDataPacket[]>(
        "SELECT id, ct_entry, ct_log_url, log_name, worker_name, ct_index FROM certs " +
          "ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED",
        [settings.batchSize],
      );
      if (claimed.length === 0) {
        await connection.query("COMMIT");
        break;
      }
      if (settings.mode === "sequential") {
        const written = await writePendingFile(settings.outputDir, claimed.map(pendingRow));
        if (!written.ok) throw new Error(written.error.message);
      }
      const ids = claimed.map((row) => row["id"] as string);
      await connection.query("DELETE FROM certs WHERE id IN (?)", [ids]);
      await connection.query("COMMIT");
      batchDone(done.rows + claimed.length);
    }
  } catch (error) {
    return { ...finished(started), stoppedBy: "failed", error: String(error) };
  } finally {
    await connection.end().catch(() => undefined);
  }
  return { ...finished(started), stoppedBy: "drained", retainedHeapMb: retainedHeapMb() };
}

function pendingRow(row: RowDataPacket) {
  return {
    ct_entry: row["ct_entry"] as string,
    ct_log_url: row["ct_log_url"] as string,
    log_name: row["log_name"] as string,
    worker_name: row["worker_name"] as string,
    ct_index: row["ct_index"] as string,
    ip_address: null,
  };
}

function begin(): number {
  done.startRssMb = process.memoryUsage.rss() / 1024 / 1024;
  done.startCpu = process.cpuUsage();
  done.started = performance.now();
  done.lastProgress = done.started;
  return done.started;
}

function batchDone(totalRows: number): void {
  done.rows = totalRows;
  done.batches += 1;
  const now = performance.now();
  // The first batch is reported at once, so the harness can tell a case that stalls early from a slow start.
  if (done.batches > 1 && now - done.lastProgress < PROGRESS_EVERY_MS) return;
  done.lastProgress = now;
  reportProgress({ rows: done.rows, elapsedMs: now - (done.started ?? now) });
}

function cpuMsSinceStart(): number {
  const used = process.cpuUsage(done.startCpu);
  return (used.user + used.system) / 1000;
}

function finished(
  started: number,
): Pick<ClaimCaseResult, "rows" | "batches" | "elapsedMs" | "startRssMb" | "cpuMs"> {
  return {
    rows: done.rows,
    batches: done.batches,
    elapsedMs: performance.now() - started,
    startRssMb: done.startRssMb,
    cpuMs: cpuMsSinceStart(),
  };
}

/** The job under test, as the app runs it with `--sleep 0`. */
async function exportJob(settings: ClaimCaseInput): Promise<ClaimCaseResult> {
  const spec = parseConnectionUrl(settings.url);
  if (!spec.ok) throw new Error(spec.error.message);
  if (spec.value.kind === "embedded") throw new Error("the benchmark needs a server URL");
  const opened = await openDataSource(spec.value, { entities: [CertEntity] });
  if (!opened.ok) throw new Error(opened.error.message);
  const dataSource = opened.value;
  const started = begin();
  try {
    const result = await exportCerts(dataSource, {
      outputDir: settings.outputDir,
      batchSize: settings.batchSize,
      sleepMs: 0,
      onBatch: (progress) => batchDone(progress.totalRows),
    });
    if (result.ok) {
      return { ...finished(started), stoppedBy: result.value.stoppedBy, retainedHeapMb: retainedHeapMb() };
    }
    return {
      ...finished(started),
      stoppedBy: "failed",
      error: `${result.error.code}: ${result.error.message}`,
    };
  } finally {
    await dataSource.destroy().catch(() => undefined);
  }
}
