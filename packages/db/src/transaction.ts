import { appError, err, ErrorCode, type AppError, type Result } from "@certs/result";
import type { DataSource, EntityManager, QueryRunner } from "typeorm";
import { watchConnection, type ConnectionWatch } from "./connection-watch.js";
import { classifyDbError, databaseError, isDriverError } from "./db-error.js";
import { silentLogger, type Logger } from "./logger.js";
import { redactError } from "./redact.js";

/** SQL isolation levels both MySQL/MariaDB and PostgreSQL accept. */
export type IsolationLevel = "READ UNCOMMITTED" | "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE";

/** Optional settings for {@link transaction} and `pgTransaction`. */
export interface TransactionOptions {
  /** Default: the server's (REPEATABLE READ on MySQL/MariaDB, READ COMMITTED on PostgreSQL). */
  readonly isolation?: IsolationLevel;
  /** Roll back even when the work returns ok, and return its value: a dry run leaves nothing behind. */
  readonly dryRun?: boolean;
  /** Told when a rollback itself fails (the connection is usually gone then). */
  readonly logger?: Logger;
}

/**
 * Runs `fn` in a database transaction on a connection of its own: commits when `fn` returns ok (rolls back
 * in a `dryRun`), rolls back when it returns err (that error is returned as is) or throws (a driver error becomes a classified
 * DATABASE_ERROR, anything else an UNEXPECTED_ERROR). Failing to connect, begin or commit is a classified
 * DATABASE_ERROR. A connection that breaks between two statements (the server ends the session) is
 * reported with the driver's error for the break, not TypeORM's later refusal to use the connection, so
 * it is classified `connection_lost`. Never rejects. The connection goes back to the pool, except one
 * that was lost or could not be rolled back, which is closed instead. `fn` also gets the transaction's
 * query runner, for statements the manager cannot send (structured results, savepoints); it must not commit,
 * roll back or release it.
 */
export async function transaction<T, E = AppError>(
  dataSource: DataSource,
  fn: (manager: EntityManager, queryRunner: QueryRunner) => PromiseLike<Result<T, E>> | Result<T, E>,
  options: TransactionOptions = {},
): Promise<Result<T, E | AppError>> {
  const logger = options.logger ?? silentLogger;
  let queryRunner: QueryRunner;
  try {
    queryRunner = dataSource.createQueryRunner();
  } catch (error) {
    return err(databaseError(error, "could not create a query runner for the transaction"));
  }
  let watch: ConnectionWatch | undefined;
  try {
    try {
      watch = watchConnection(await queryRunner.connect());
    } catch (error) {
      return err(databaseError(error, "could not begin a database transaction"));
    }
    try {
      await queryRunner.startTransaction(options.isolation);
    } catch (error) {
      const failure = failureBehind(error, queryRunner, watch) ?? error;
      await abandon(queryRunner, watch, logger, failure);
      return err(databaseError(failure, "could not begin a database transaction"));
    }

    let outcome: Result<T, E>;
    try {
      outcome = await fn(queryRunner.manager, queryRunner);
    } catch (thrown) {
      const failure = failureBehind(thrown, queryRunner, watch);
      await abandon(queryRunner, watch, logger, failure);
      return err(failure !== undefined ? databaseError(failure) : workThrew(thrown));
    }

    if (!outcome.ok || options.dryRun === true) {
      await abandon(queryRunner, watch, logger, outcome.ok ? undefined : outcome.error);
      return outcome;
    }
    try {
      await queryRunner.commitTransaction();
    } catch (error) {
      const failure = failureBehind(error, queryRunner, watch) ?? error;
      await abandon(queryRunner, watch, logger, failure);
      return err(databaseError(failure, "could not commit the database transaction"));
    }
    return outcome;
  } finally {
    watch?.stop();
    await queryRunner.release().catch((error: unknown) => {
      logger.warn({ err: redactError(error) }, "could not return a database connection to the pool");
    });
  }
}

/** The error for transaction work that threw something other than a database failure: a bug in the work. */
export function workThrew(thrown: unknown): AppError {
  return appError(ErrorCode.UNEXPECTED_ERROR, "the transaction's work threw instead of returning a Result", {
    cause: thrown,
  });
}

/**
 * The database failure behind `error`: `error` itself when a driver raised it; or, when the connection
 * broke between statements, the driver's error for that break. TypeORM (PostgreSQL) releases the query
 * runner as soon as its connection reports an error, and every later statement then fails with its own
 * "already released" error, which names no database failure. Undefined for errors of the program itself.
 */
function failureBehind(error: unknown, queryRunner: QueryRunner, watch: ConnectionWatch): unknown {
  if (isDriverError(error)) return error;
  if (watch.broken && queryRunner.isReleased) return watch.failure;
  return undefined;
}

/**
 * Ends a transaction that will not commit. On a lost connection there is nothing to roll back (the server
 * discarded the transaction when the session ended), so the connection is closed instead of being handed
 * back to the pool, where the next caller would find it dead. A connection whose rollback fails is closed
 * too: its transaction may still be open.
 */
async function abandon(
  queryRunner: QueryRunner,
  watch: ConnectionWatch,
  logger: Logger,
  failure: unknown,
): Promise<void> {
  // TypeORM has already given the connection back with its error, and the pool dropped it.
  if (queryRunner.isReleased) return;
  if (watch.broken || (failure !== undefined && classifyDbError(failure).kind === "connection_lost")) {
    logger.debug({}, "closing a lost database connection instead of rolling back on it");
    watch.discard();
    return;
  }
  if (!queryRunner.isTransactionActive) return;
  try {
    await queryRunner.rollbackTransaction();
  } catch (error) {
    logger.warn(
      { err: redactError(error) },
      "could not roll back the database transaction; closing its connection",
    );
    watch.discard();
  }
}
