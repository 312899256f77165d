import { err, type AppError, type Result } from "@certs/result";
import type pg from "pg";
import { classifyDbError, databaseError, isDriverError } from "./db-error.js";
import { silentLogger, type Logger } from "./logger.js";
import { checkOutClient, type PooledClient } from "./pooled-client.js";
import { redactError } from "./redact.js";
import { workThrew, type TransactionOptions } from "./transaction.js";

/**
 * Runs `fn` in a transaction on a client of its own from a node-postgres pool (for code that writes its own
 * SQL: COPY, advisory locks): BEGIN (with `options.isolation`), then COMMIT when `fn` returns ok (ROLLBACK in
 * a `dryRun`), ROLLBACK when it returns err (that error is returned as is) or throws (a driver error becomes
 * a classified DATABASE_ERROR, anything else an UNEXPECTED_ERROR). Failing to connect, begin or commit is a
 * classified DATABASE_ERROR; a connection the server ends meanwhile is `connection_lost` and never crashes
 * the process. Never rejects. The client goes back to the pool on every path, except one whose connection
 * failed or could not be rolled back, which is destroyed instead.
 */
export async function pgTransaction<T, E = AppError>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => PromiseLike<Result<T, E>> | Result<T, E>,
  options: TransactionOptions = {},
): Promise<Result<T, E | AppError>> {
  const logger = options.logger ?? silentLogger;
  let checkedOut: PooledClient;
  try {
    checkedOut = await checkOutClient(pool);
  } catch (error) {
    return err(databaseError(error, "could not connect to begin a database transaction"));
  }
  const { client } = checkedOut;
  // Set when the client must be destroyed rather than reused.
  let broken: Error | undefined;
  try {
    try {
      await client.query(
        options.isolation === undefined ? "BEGIN" : `BEGIN ISOLATION LEVEL ${options.isolation}`,
      );
    } catch (error) {
      const failure = checkedOut.failure ?? error;
      broken = await abandon(checkedOut, logger, failure);
      return err(databaseError(failure, "could not begin a database transaction"));
    }

    let outcome: Result<T, E>;
    try {
      outcome = await fn(client);
    } catch (thrown) {
      const failure = checkedOut.failure ?? (isDriverError(thrown) ? thrown : undefined);
      broken = await abandon(checkedOut, logger, failure);
      return err(failure !== undefined ? databaseError(failure) : workThrew(thrown));
    }

    if (!outcome.ok || options.dryRun === true) {
      broken = await abandon(checkedOut, logger, outcome.ok ? undefined : outcome.error);
      return outcome;
    }
    try {
      await client.query("COMMIT");
    } catch (error) {
      const failure = checkedOut.failure ?? error;
      broken = await abandon(checkedOut, logger, failure);
      return err(databaseError(failure, "could not commit the database transaction"));
    }
    return outcome;
  } finally {
    checkedOut.release(broken);
  }
}

/**
 * Ends a transaction that will not commit. On a lost connection there is nothing to roll back (the server
 * discarded the transaction with the session), so the client is marked for destruction; so is one whose
 * ROLLBACK fails, as its transaction may still be open. Returns the error to destroy the client with, if any.
 */
async function abandon(
  checkedOut: PooledClient,
  logger: Logger,
  failure: unknown,
): Promise<Error | undefined> {
  if (checkedOut.failure !== undefined) return checkedOut.failure;
  if (failure !== undefined && classifyDbError(failure).kind === "connection_lost") {
    logger.debug({}, "closing a lost database connection instead of rolling back on it");
    return failure instanceof Error ? failure : new Error("the database connection was lost");
  }
  try {
    await checkedOut.client.query("ROLLBACK");
    return undefined;
  } catch (error) {
    logger.warn(
      { err: redactError(error) },
      "could not roll back the database transaction; closing its connection",
    );
    return error instanceof Error ? error : new Error("the rollback failed");
  }
}
