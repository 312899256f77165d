import { classifyDbError, redactError, retry, type Logger, type RetryPolicy } from "@certs/db";
import type { AppError, Result } from "@certs/result";

/** Transient database errors are retried this long by default: a MariaDB restart takes about 3 s, PostgreSQL's crash recovery 10 s or more. */
export const DEFAULT_RETRY_FOR_MS = 120_000;

/** Backoff while a step is retried: 100 ms doubling to 2 s, so a server back after an outage is seen within 2 s. */
export const BUDGET_BACKOFF: RetryPolicy = Object.freeze({
  maxAttempts: Number.MAX_SAFE_INTEGER,
  initialDelayMs: 100,
  maxDelayMs: 2_000,
  factor: 2,
  jitter: true,
});

/** Runs a database step, retrying transient failures. */
export type StepRunner = <T>(step: () => Promise<Result<T, AppError>>) => Promise<Result<T, AppError>>;

/** Settings of {@link budgetedRunner}. */
export interface RetryBudget {
  /** Retry a failing step until this long after its first failure. */
  readonly retryForMs: number;
  /** Delays between attempts; its `maxAttempts` caps them too. Default {@link BUDGET_BACKOFF}. */
  readonly policy?: RetryPolicy;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  /** Told of each attempt after the first. */
  readonly onRetry?: () => void;
  /** `performance.now()`-like clock. */
  readonly now?: () => number;
}

/**
 * A step runner that retries transient database errors (connection lost, deadlock, lock wait) for a time
 * budget rather than a number of attempts, and logs each outage once when it begins and once when it ends.
 * Each step gets the whole budget, so a run (or `follow`) outlives any number of outages shorter than it.
 */
export function budgetedRunner(budget: RetryBudget): StepRunner {
  const { retryForMs, logger, signal } = budget;
  const policy = budget.policy ?? BUDGET_BACKOFF;
  const now = budget.now ?? (() => performance.now());
  return async <T>(step: () => Promise<Result<T, AppError>>): Promise<Result<T, AppError>> => {
    let failingSince: number | undefined;
    const result = await retry(
      policy,
      async (attempt) => {
        if (attempt > 1) budget.onRetry?.();
        return step();
      },
      {
        ...(signal === undefined ? {} : { signal }),
        isRetryable: (error) => {
          if (!classifyDbError(error).retryable) return false;
          const at = now();
          if (failingSince === undefined) {
            failingSince = at;
            logger.warn(
              { err: redactError(error), retryForMs },
              "the database is unreachable or refused the work for now; retrying",
            );
          }
          return at - failingSince < retryForMs;
        },
      },
    );
    if (failingSince !== undefined) {
      const seconds = Math.round((now() - failingSince) / 100) / 10;
      if (result.ok) {
        logger.info({ outageSeconds: seconds }, "the database is back; the run goes on");
      } else {
        logger.error(
          { outageSeconds: seconds, err: redactError(result.error) },
          "gave up retrying the database",
        );
      }
    }
    return result;
  };
}
