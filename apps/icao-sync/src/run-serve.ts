import { createAppLogger, ExitCode, handleInterrupts } from "@certs/app-kit";
import { abortableSleep } from "@certs/db";
import { countTrustStore, migrateTrustStore, readSyncLog } from "@certs/icao-sync";
import { appError, ErrorCode } from "@certs/result";
import type pg from "pg";
import { reportFailure } from "./failure-report.js";
import { syncInput, syncOptions } from "./run-sync.js";
import { serveSettings } from "./settings.js";
import { type StatusServer, startStatusServer, type StoreStatus } from "./status-server.js";
import { SyncService } from "./sync-service.js";
import { openTrustStoreDatabase, type TrustStoreDatabase } from "./trust-store-database.js";

const MIGRATION_RETRY_MS = 5_000;
const PROBE_TIMEOUT_MS = 2_000;

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
  const [counts, log] = await Promise.all([countTrustStore(pool), readSyncLog(pool, { limit: 1 })]);
  if (!counts.ok || !log.ok) return null;
  return { tables: counts.value, lastLoggedRun: log.value[0] ?? null };
}

/** `certs-icao-sync serve`: runs until SIGTERM/SIGINT, then returns 143/130. */
export async function runServe(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  version: string,
): Promise<number> {
  const settings = serveSettings(flags, env);
  if (!settings.ok) return reportFailure(settings.error, false);
  const options = settings.value;
  const logger = createAppLogger({ level: options.logLevel });

  let database: TrustStoreDatabase | undefined;
  const interrupts = handleInterrupts(() => void database?.close());
  const stopped = new Promise<void>((resolve) => {
    if (interrupts.signal.aborted) resolve();
    interrupts.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  let server: StatusServer | undefined;
  try {
    const opened = await openTrustStoreDatabase(options.db, {
      dataDir: options.dataDir,
      logger,
      migrate: false,
    });
    if (!opened.ok) return reportFailure(opened.error, options.verbose);
    database = opened.value;
    const pool = database.pool;

    const service = new SyncService({
      pool,
      input: syncInput(options),
      syncOptions: syncOptions(options, logger),
      schedule: options.cron,
      logger,
    });
    try {
      server = await startStatusServer(options.host, options.port, {
        service,
        databaseReachable: () => probe(() => pool.query("SELECT 1").then(() => true), false),
        storeStatus: () => probe(() => storeStatus(pool), null),
        version,
        schedule: options.cron,
        database: database.description,
        logger,
      });
    } catch (error) {
      return reportFailure(
        appError(
          ErrorCode.CONFIGURATION_ERROR,
          `--port: cannot listen on ${options.host}:${options.port} (${error instanceof Error ? error.message : String(error)}).`,
          { cause: error },
        ),
        options.verbose,
      );
    }
    process.stdout.write(
      `certs-icao-sync ${version} serving on ${server.url} (schedule "${options.cron}")\n`,
    );
    logger.info({ url: server.url, schedule: options.cron, database: database.description }, "serving");

    // Migrate in the background so /health answers at once; /ready says 503 until this succeeds.
    const migrating = (async () => {
      while (!interrupts.signal.aborted) {
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
        await abortableSleep(MIGRATION_RETRY_MS, interrupts.signal);
      }
    })();

    await stopped;
    logger.info({}, "shutting down: no new runs; waiting for the run in flight");
    await Promise.all([server.close(), service.stop(), migrating]);
    const last = service.lastRun();
    process.stderr.write(
      `Stopped${last === undefined ? "" : `; last run ${last.status} at ${last.finishedAt ?? last.startedAt}`}.\n`,
    );
    return interrupts.exitCode() ?? ExitCode.TERMINATED;
  } finally {
    interrupts.dispose();
    await server?.close();
    await database?.close();
  }
}
