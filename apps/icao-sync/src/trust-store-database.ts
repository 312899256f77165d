import { openAppDatabase, type JobContext } from "@certs/app-kit";
import { createPgPool, type Logger, type PostgresConnectionSpec } from "@certs/db";
import { migrateTrustStore } from "@certs/icao-sync";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type pg from "pg";

/** The trust-store database an app command works on. */
export interface TrustStoreDatabase {
  readonly pool: pg.Pool;
  /** Where it is, for connections of their own (the readiness probe, the sync worker). */
  readonly spec: PostgresConnectionSpec;
  /** For logs: the URL without its password, or the embedded data directory. */
  readonly description: string;
  /** Ends the pool, then stops the embedded server if one was started. */
  close(): Promise<void>;
}

/**
 * The PostgreSQL named by `url`, or the embedded one in `dataDir`, as a pg pool. With `migrate`, the
 * trust-store schema is created or brought up to date first (idempotent).
 */
async function connectTrustStore(
  url: string | undefined,
  options: { readonly dataDir?: string | undefined; readonly logger: Logger; readonly migrate: boolean },
): Promise<Result<TrustStoreDatabase>> {
  const database = await openAppDatabase(url, { dataDir: options.dataDir, logger: options.logger });
  if (!database.ok) return database;
  const { spec, description } = database.value;
  if (spec.kind !== "postgres") {
    await database.value.close();
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        "--db: the trust store lives in PostgreSQL: give a postgres:// URL.",
      ),
    );
  }
  const pool = createPgPool(spec, {
    poolSize: 4,
    applicationName: "certs-icao-sync",
    logger: options.logger,
  });
  if (!pool.ok) {
    await database.value.close();
    return pool;
  }
  const close = async () => {
    await pool.value.end().catch(() => undefined);
    await database.value.close();
  };
  if (options.migrate) {
    const migrated = await migrateTrustStore(pool.value);
    if (!migrated.ok) {
      await close();
      return migrated;
    }
    if (migrated.value.applied.length > 0) {
      options.logger.info(
        { applied: migrated.value.applied, database: description },
        "trust-store schema migrated",
      );
    }
  }
  return ok({ pool: pool.value, spec, description, close });
}

/** {@link connectTrustStore} for a command: the `--db`/`--data-dir` settings, closed when the job ends. */
export async function openTrustStoreDatabase(
  settings: { readonly db?: string | undefined; readonly dataDir?: string | undefined },
  context: Pick<JobContext, "logger" | "defer">,
  migrate: boolean,
): Promise<Result<TrustStoreDatabase>> {
  const opened = await connectTrustStore(settings.db, {
    dataDir: settings.dataDir,
    logger: context.logger,
    migrate,
  });
  if (opened.ok) context.defer(() => opened.value.close());
  return opened;
}
