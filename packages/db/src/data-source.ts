import { err, ok, type Result } from "@certs/result";
import mysql2 from "mysql2";
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from "typeorm";
import { tlsSettings, validateConnectionOptions, type ConnectionOptions } from "./connection-options.js";
import type { MysqlConnectionSpec, PostgresConnectionSpec, ServerConnectionSpec } from "./connection-url.js";
import { databaseError } from "./db-error.js";
import { silentLogger, type Logger } from "./logger.js";
import { QueryLogger } from "./query-logger.js";
import { redactError } from "./redact.js";

/** Settings for {@link openDataSource}, on top of those every connection takes. */
export interface OpenDataSourceOptions extends ConnectionOptions {
  /** Entity classes or `EntitySchema`s (preferred: esbuild emits no decorator metadata). */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for entity classes
  readonly entities?: MixedList<Function | string | EntitySchema>;
  /** Migrations to register (run them with `dataSource.runMigrations()`). */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for migration classes
  readonly migrations?: MixedList<Function | string>;
  /**
   * MySQL/MariaDB only: return DATE/DATETIME/TIMESTAMP as strings instead of `Date`s (default false).
   * Use it where values were stored in local time and must come back unshifted.
   */
  readonly dateStrings?: boolean;
  /** Log every query at `debug` on `logger` (default false; errors and slow queries are always forwarded). */
  readonly logging?: boolean;
  /** Queries slower than this are logged at `warn`. */
  readonly slowQueryMs?: number;
  /** PostgreSQL only: the name shown in `pg_stat_activity`. */
  readonly applicationName?: string;
}

/**
 * Creates and connects a TypeORM `DataSource` for a MySQL/MariaDB (mysql2) or PostgreSQL (pg) server.
 * MySQL connections use UTC (`timezone: "Z"`) and return BIGINT and DECIMAL as strings, so no digits are
 * lost. A server that cannot be reached, or refuses the credentials, is a classified DATABASE_ERROR whose
 * message names the server and never the password; bad options are a CONFIGURATION_ERROR.
 * Close it with `dataSource.destroy()` (or {@link closeDataSource}).
 */
export async function openDataSource(
  spec: ServerConnectionSpec,
  options: OpenDataSourceOptions = {},
): Promise<Result<DataSource>> {
  const valid = validateConnectionOptions(options);
  if (!valid.ok) return valid;
  const dataSource: DataSource = new DataSource(
    spec.kind === "mysql"
      ? mysqlOptions(spec, options)
      : postgresOptions(spec, options, () => !dataSource.isInitialized),
  );
  try {
    await dataSource.initialize();
  } catch (error) {
    return err(databaseError(error, `could not connect to ${describeServer(spec)}`, secretsOf(spec)));
  }
  return ok(dataSource);
}

/** Closes a DataSource's pool; a failure (a connection already gone) is a classified DATABASE_ERROR. */
export async function closeDataSource(dataSource: DataSource): Promise<Result<void>> {
  if (!dataSource.isInitialized) return ok(undefined);
  try {
    await dataSource.destroy();
    return ok(undefined);
  } catch (error) {
    return err(databaseError(error, "could not close the database connections"));
  }
}

/** "the mysql database 'shop' at db.example:3306 as 'app'", for messages: no password. */
export function describeServer(spec: ServerConnectionSpec): string {
  const host = spec.host.includes(":") ? `[${spec.host}]` : spec.host;
  return `the ${spec.kind === "mysql" ? spec.flavor : "postgres"} database '${spec.database}' at ${host}:${spec.port} as '${spec.user}'`;
}

function secretsOf(spec: ServerConnectionSpec): string[] {
  return spec.password === undefined ? [] : [spec.password];
}

function commonOptions(spec: ServerConnectionSpec, options: OpenDataSourceOptions) {
  const logger: Logger = options.logger ?? silentLogger;
  return {
    host: spec.host,
    port: spec.port,
    username: spec.user,
    ...(spec.password === undefined ? {} : { password: spec.password }),
    database: spec.database,
    entities: options.entities ?? [],
    migrations: options.migrations ?? [],
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    ...(options.slowQueryMs === undefined ? {} : { maxQueryExecutionTime: options.slowQueryMs }),
    logger: new QueryLogger(logger, options.logging ?? false, secretsOf(spec)),
  };
}

function mysqlOptions(spec: MysqlConnectionSpec, options: OpenDataSourceOptions): DataSourceOptions {
  const connectTimeoutMs = options.connectTimeoutMs ?? spec.connectTimeoutMs;
  const ssl = tlsSettings(spec, options.tls);
  return {
    type: spec.flavor,
    ...commonOptions(spec, options),
    timezone: "Z",
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: options.dateStrings ?? false,
    charset: "utf8mb4",
    // mysql2 otherwise captures a stack trace for every query (about 3 % of a bulk job's CPU); a failed query's
    // error still carries its message, code and SQL state, and @certs/db classifies it from those.
    extra: { trace: false },
    ...(connectTimeoutMs === undefined ? {} : { connectTimeout: connectTimeoutMs }),
    ...(ssl === undefined ? {} : { ssl }),
    ...(options.statementTimeoutMs === undefined
      ? {}
      : {
          driver: mysqlDriverWithStatementTimeout(options.statementTimeoutMs, options.logger ?? silentLogger),
        }),
  };
}

function postgresOptions(
  spec: PostgresConnectionSpec,
  options: OpenDataSourceOptions,
  destroyed: () => boolean,
): DataSourceOptions {
  const connectTimeoutMs = options.connectTimeoutMs ?? spec.connectTimeoutMs;
  const ssl = tlsSettings(spec, options.tls);
  const logger = options.logger ?? silentLogger;
  return {
    type: "postgres",
    ...commonOptions(spec, options),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMS: connectTimeoutMs }),
    ...(ssl === undefined ? {} : { ssl }),
    ...(options.applicationName === undefined ? {} : { applicationName: options.applicationName }),
    // pg sends these as startup parameters, so every pooled connection has them from its first query.
    extra: options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs },
    // An idle pooled connection that the server drops must not crash the process. After destroy(), a
    // server shutting down (57P01) is expected: pg's pool end() resolves before its connections close.
    poolErrorHandler: (error: unknown) => {
      if (destroyed() && (error as { code?: unknown }).code === "57P01") {
        logger.debug({ code: "57P01" }, "an idle database connection closed by the server's shutdown");
      } else {
        logger.warn({ err: redactError(error, secretsOf(spec)) }, "an idle database connection failed");
      }
    },
  };
}

/**
 * mysql2 has no "run this on connect" option, so the pool is wrapped: each new connection first sets
 * MariaDB's `max_statement_time` (seconds) and MySQL's `max_execution_time` (ms). Each server rejects
 * the other's variable; that rejection is expected and only logged at debug.
 */
function mysqlDriverWithStatementTimeout(statementTimeoutMs: number, logger: Logger): typeof mysql2 {
  const seconds = (statementTimeoutMs / 1000).toFixed(3);
  const createPool = ((config: Parameters<typeof mysql2.createPool>[0]) => {
    const pool = mysql2.createPool(config);
    pool.on("connection", (connection) => {
      const ignore = (error: unknown) => {
        if (error !== null)
          logger.debug({ err: redactError(error) }, "statement timeout variable not supported");
      };
      connection.query(`SET SESSION max_statement_time = ${seconds}`, ignore);
      connection.query(`SET SESSION max_execution_time = ${statementTimeoutMs}`, ignore);
    });
    return pool;
  }) as typeof mysql2.createPool;
  return { ...mysql2, createPool };
}
