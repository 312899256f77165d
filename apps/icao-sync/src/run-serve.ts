import { ExitCode, runJob } from "@certs/app-kit";
import { abortableSleep, createPgPool } from "@certs/db";
import {
  countTrustStore,
  migrateTrustStore,
  TrustStoreReader,
  readLastSyncChanges,
  readSyncLog,
} from "@certs/icao-sync";
import { appError, err, ErrorCode, ok } from "@certs/result";
import type pg from "pg";
import { serveSettings } from "./settings.js";
import { type StatusServer, startStatusServer, type StoreStatus } from "./status-server.js";
import { cachedReader } from "./store-status-cache.js";
import { SyncMetrics } from "./metrics.js";
import { SyncService } from "./sync-service.js";
import { openTrustStoreDatabase } from "./trust-store-database.js";
import { answerVerify } from "./verify-endpoint.js";
import { runSyncInWorker } from "./worker-sync.js";

const MIGRATION_RETRY_MS = 5_000;
const PROBE_TIMEOUT_MS = 2_000;
// How long a run may take to stop after SIGTERM before its worker is ended: within the 5 s a
// supervisor gives, with time left to close the server and the database.
const WORKER_GRACE_MS = 3_000;
// /info reads the database at most this often, whatever its load.
const STORE_STATUS_MAX_AGE_MS = 3_000;

/** `work`'s value, or `fallback` when it fails or takes longer than the probe timeout (a database that hangs). */
async function probe<T>(work: () => Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work().catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the database holds now, whoever wrote it (this process, an earlier one, or `run`). */
async function storeStatus(pool: pg.Pool): Promise<StoreStatus | null> {
  const [counts, log, changes] = await Promise.all([
    countTrustStore(pool),
    readSyncLog(pool, { limit: 1 }),
    readLastSyncChanges(pool),
  ]);
  if (!counts.ok || !log.ok || !changes.ok) return null;
  return { tables: counts.value, lastLoggedRun: log.value[0] ?? null, lastChanges: changes.value };
}

/** `certs-icao-sync serve`: runs until SIGTERM/SIGINT, then returns 143/130. */
export async function runServe(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  version: string,
): Promise<number> {
  return runJob(serveSettings(flags, env), async (options, context) => {
    const { logger, signal, defer } = context;
    const stopped = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    const database = await openTrustStoreDatabase(options, context, false);
    if (!database.ok) return database;
    const pool = database.value.pool;
    // /ready's own connection: no load on /info and no sync can make it wait for one.
    const readiness = createPgPool(database.value.spec, {
      poolSize: 1,
      applicationName: "certs-icao-sync-ready",
      connectTimeoutMs: PROBE_TIMEOUT_MS,
      statementTimeoutMs: PROBE_TIMEOUT_MS,
      logger,
    });
    if (!readiness.ok) return readiness;
    defer(() => readiness.value.end().catch(() => undefined));

    const metrics = new SyncMetrics();
    const service = new SyncService({
      runSync: (runSignal, conditional) =>
        runSyncInWorker(
          {
            settings: options,
            spec: database.value.spec,
            ...(conditional === undefined ? {} : { conditional }),
          },
          { signal: runSignal, logger, graceMs: WORKER_GRACE_MS },
        ),
      schedule: options.cron,
      logger,
      metrics,
    });
    const cachedStoreStatus = cachedReader(() => probe(() => storeStatus(pool), null), {
      maxAgeMs: STORE_STATUS_MAX_AGE_MS,
      // A run of this process that ended makes the cached counts old at once.
      version: () => service.lastRun()?.finishedAt,
    });
    // Cached lookups for POST /verify: dropped as soon as a run of this process ends (each run is a new
    // record), so a sync that replaced the tables is seen at once; a sync by another process after 30 s.
    const documentReader = new TrustStoreReader(pool, { storeVersion: () => service.lastRun() });
    let server: StatusServer;
    try {
      server = await startStatusServer(options.host, options.port, {
        service,
        databaseReachable: () => probe(() => readiness.value.query("SELECT 1").then(() => true), false),
        storeStatus: () => probe(cachedStoreStatus, null),
        metrics: async () => metrics.render((await probe(cachedStoreStatus, null))?.tables ?? null),
        triggerToken: options.triggerToken,
        verify: (request) => answerVerify(request, documentReader),
        version,
        schedule: options.cron,
        database: database.value.description,
        logger,
      });
    } catch (error) {
      return err(
        appError(
          ErrorCode.CONFIGURATION_ERROR,
          `--port: cannot listen on ${options.host}:${options.port} (${error instanceof Error ? error.message : String(error)}).`,
          { cause: error },
        ),
      );
    }
    defer(() => server.close());
    process.stdout.write(
      `certs-icao-sync ${version} serving on ${server.url} (schedule "${options.cron}")\n`,
    );
    logger.info({ url: server.url, schedule: options.cron, database: database.value.description }, "serving");

    // Migrate in the background so /health answers at once; /ready says 503 until this succeeds.
    const migrating = (async () => {
      while (!signal.aborted) {
        const migrated = await migrateTrustStore(pool);
        if (migrated.ok) {
          service.markReady();
          logger.info(
            { applied: migrated.value.applied, nextRun: service.nextRun() },
            "trust-store schema ready",
          );
          if (options.runOnStartup) service.trigger("startup");
          return;
        }
        logger.error(
          {
            error: { code: migrated.error.code, message: migrated.error.message },
            retryInMs: MIGRATION_RETRY_MS,
          },
          "migration failed; retrying",
        );
        await abortableSleep(MIGRATION_RETRY_MS, signal);
      }
    })();

    await stopped;
    logger.info({}, "shutting down: no new runs; waiting for the run in flight");
    await Promise.all([server.close(), service.stop(), migrating]);
    const last = service.lastRun();
    process.stderr.write(
      `Stopped${last === undefined ? "" : `; last run ${last.status} at ${last.finishedAt ?? last.startedAt}`}.\n`,
    );
    return ok(ExitCode.TERMINATED);
  });
}
