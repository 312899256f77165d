import { appError, err, ErrorCode, type AppError, type Result } from "@certs/result";
import type { DataSource, EntityManager, QueryRunner } from "typeorm";
import { databaseError, isDriverError } from "./DbError.js";
import { silentLogger, type Logger } from "./Logger.js";
import { redactError } from "./redact.js";

/** SQL isolation levels both MySQL/MariaDB and PostgreSQL accept. */
export type IsolationLevel = "READ UNCOMMITTED" | "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE";

/** Optional settings for {@link transaction}. */
export interface TransactionOptions {
  /** Default: the server's (REPEATABLE READ on MySQL/MariaDB, READ COMMITTED on PostgreSQL). */
  readonly isolation?: IsolationLevel;
  /** Told when a rollback itself fails (the connection is usually gone then). */
  readonly logger?: Logger;
}

/**
 * Runs `fn` in a database transaction on a connection of its own: commits when `fn` returns ok, rolls back
 * when it returns err (that error is returned as is) or throws (a driver error becomes a classified
 * DATABASE_ERROR, anything else an UNEXPECTED_ERROR). Failing to connect, begin or commit is a classified
 * DATABASE_ERROR. Never rejects; the connection always goes back to the pool.
 */
export async function transaction<T, E = AppError>(
  dataSource: DataSource,
  fn: (manager: EntityManager) => PromiseLike<Result<T, E>> | Result<T, E>,
  options: TransactionOptions = {},
): Promise<Result<T, E | AppError>> {
  const logger = options.logger ?? silentLogger;
  let queryRunner: QueryRunner;
  try {
    queryRunner = dataSource.createQueryRunner();
  } catch (error) {
    return err(databaseError(error, "could not create a query runner for the transaction"));
  }
  try {
    try {
      await queryRunner.connect();
      await queryRunner.startTransaction(options.isolation);
    } catch (error) {
      return err(databaseError(error, "could not begin a database transaction"));
    }

    let outcome: Result<T, E>;
    try {
      outcome = await fn(queryRunner.manager);
    } catch (thrown) {
      await rollbackQuietly(queryRunner, logger);
      return err(
        isDriverError(thrown)
          ? databaseError(thrown)
          : appError(
              ErrorCode.UNEXPECTED_ERROR,
              "the transaction's work threw instead of returning a Result",
              {
                cause: thrown,
              },
            ),
      );
    }

    if (!outcome.ok) {
      await rollbackQuietly(queryRunner, logger);
      return outcome;
    }
    try {
      await queryRunner.commitTransaction();
    } catch (error) {
      await rollbackQuietly(queryRunner, logger);
      return err(databaseError(error, "could not commit the database transaction"));
    }
    return outcome;
  } finally {
    await queryRunner.release().catch((error: unknown) => {
      logger.warn({ err: redactError(error) }, "could not return a database connection to the pool");
    });
  }
}

async function rollbackQuietly(queryRunner: QueryRunner, logger: Logger): Promise<void> {
  if (!queryRunner.isTransactionActive) return;
  try {
    await queryRunner.rollbackTransaction();
  } catch (error) {
    // The server rolls back on its own when the connection drops, which is the usual reason for this.
    logger.warn({ err: redactError(error) }, "could not roll back the database transaction");
  }
}
