import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import pg from "pg";
import { tlsSettings, validateConnectionOptions, type ConnectionOptions } from "./connection-options.js";
import type { PostgresConnectionSpec } from "./connection-url.js";
import { silentLogger } from "./logger.js";
import { redactError } from "./redact.js";

// PostgreSQL's SQLSTATE for "terminating connection due to administrator command".
const ADMIN_SHUTDOWN = "57P01";

/** Settings for {@link createPgPool}, on top of those every connection takes. */
export interface PgPoolOptions extends ConnectionOptions {
  /** The name shown in `pg_stat_activity`. */
  readonly applicationName?: string;
  /** How long an unused connection stays open; default pg's (10 s). */
  readonly idleTimeoutMs?: number;
}

/**
 * A node-postgres pool for code that writes its own SQL (COPY, advisory locks, bulk statements).
 * Nothing connects until the first query, so the only failure here is a bad option (CONFIGURATION_ERROR);
 * pass query failures through `databaseError` to classify them. An idle connection that the server
 * drops is logged at `warn` instead of crashing the process. End it with `pool.end()`.
 */
export function createPgPool(spec: PostgresConnectionSpec, options: PgPoolOptions = {}): Result<pg.Pool> {
  const valid = validateConnectionOptions(options);
  if (!valid.ok) return valid;
  const idleTimeoutMs = options.idleTimeoutMs;
  if (idleTimeoutMs !== undefined && (!Number.isSafeInteger(idleTimeoutMs) || idleTimeoutMs <= 0)) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        `database option idleTimeoutMs must be a whole number above 0, got ${idleTimeoutMs}`,
      ),
    );
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? spec.connectTimeoutMs;
  const ssl = tlsSettings(spec, options.tls);
  const config: pg.PoolConfig = {
    host: spec.host,
    port: spec.port,
    user: spec.user,
    database: spec.database,
    ...(spec.password === undefined ? {} : { password: spec.password }),
    ...(options.poolSize === undefined ? {} : { max: options.poolSize }),
    ...(connectTimeoutMs === undefined ? {} : { connectionTimeoutMillis: connectTimeoutMs }),
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMillis: idleTimeoutMs }),
    ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
    ...(ssl === undefined ? {} : { ssl }),
  };
  const pool = new pg.Pool(config);
  const logger = options.logger ?? silentLogger;
  const secrets = spec.password === undefined ? [] : [spec.password];
  pool.on("error", (error) => {
    // pg's end() resolves before its idle connections have closed, so a server stopped right after
    // tells them it is shutting down (57P01): expected, not a failure.
    if (pool.ending && (error as { code?: unknown }).code === ADMIN_SHUTDOWN) {
      logger.debug({ code: ADMIN_SHUTDOWN }, "an idle database connection closed by the server's shutdown");
      return;
    }
    logger.warn({ err: redactError(error, secrets) }, "an idle database connection failed");
  });
  return ok(pool);
}
