import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { classifyDbError, databaseError, isDriverError } from "./db-error.js";
import { silentLogger, type Logger } from "./logger.js";
import { redactError } from "./redact.js";

/**
 * How often and how patiently to retry: attempt n (from 1) that fails waits
 * `min(maxDelayMs, initialDelayMs * factor^(n-1))` before the next one, or, with `jitter`, a uniformly
 * random time between 0 and that ("full jitter", so competing clients spread out instead of colliding again).
 */
export interface RetryPolicy {
  /** Attempts in all, including the first; 1 means no retry. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Growth of the delay per attempt; 1 keeps it constant. */
  readonly factor: number;
  readonly jitter: boolean;
}

/** Five attempts, 100 ms doubling up to 5 s, full jitter: rides out a deadlock or a server restart. */
export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  factor: 2,
  jitter: true,
});

/** Waits `ms`, returning early when `signal` aborts; never rejects. */
export type Sleep = (ms: number, signal: AbortSignal | undefined) => Promise<void>;

/** Optional collaborators of {@link retry}; the defaults are the real clock and `Math.random`. */
export interface RetryOptions<E> {
  /** Aborting stops the waiting at once and returns a CANCELLED error; a running attempt is not interrupted. */
  readonly signal?: AbortSignal;
  /** Which failures are worth another attempt; default: database errors classified as retryable. */
  readonly isRetryable?: (error: E | AppError) => boolean;
  /** Told about each retry (at `warn`, with the error redacted). */
  readonly logger?: Logger;
  readonly sleep?: Sleep;
  /** A number in [0, 1), as `Math.random` returns. */
  readonly random?: () => number;
}

/**
 * Runs `fn` until it returns ok, fails with an error that is not retryable, or `policy.maxAttempts` is used
 * up (then the last error is returned). `fn` gets the attempt number, from 1. A throw from `fn` counts as
 * a failure: a driver error becomes a DATABASE_ERROR (retried if retryable), anything else an
 * UNEXPECTED_ERROR that is not retried. An invalid policy is a CONFIGURATION_ERROR, before any attempt.
 */
export async function retry<T, E = AppError>(
  policy: RetryPolicy,
  fn: (attempt: number) => PromiseLike<Result<T, E>> | Result<T, E>,
  options: RetryOptions<E> = {},
): Promise<Result<T, E | AppError>> {
  const valid = validateRetryPolicy(policy);
  if (!valid.ok) return valid;
  const { signal, logger = silentLogger, sleep = abortableSleep, random = Math.random } = options;
  const isRetryable = options.isRetryable ?? ((error: E | AppError) => classifyDbError(error).retryable);

  for (let attempt = 1; ; attempt += 1) {
    if (signal?.aborted === true) return err(cancelled(attempt, signal));
    const result = await runAttempt(fn, attempt);
    if (result.ok || attempt >= policy.maxAttempts || !isRetryable(result.error)) return result;
    const delayMs = backoffDelayMs(policy, attempt, random);
    logger.warn(
      { attempt, maxAttempts: policy.maxAttempts, delayMs, err: redactError(result.error) },
      "database operation failed with a retryable error; retrying",
    );
    await sleep(delayMs, signal);
  }
}

/** The wait after failed attempt `attempt` (from 1) under `policy`. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
  return policy.jitter ? Math.floor(random() * ceiling) : ceiling;
}

async function runAttempt<T, E>(
  fn: (attempt: number) => PromiseLike<Result<T, E>> | Result<T, E>,
  attempt: number,
): Promise<Result<T, E | AppError>> {
  try {
    return await fn(attempt);
  } catch (thrown) {
    if (isDriverError(thrown)) return err(databaseError(thrown));
    return err(
      appError(ErrorCode.UNEXPECTED_ERROR, `attempt ${attempt} threw instead of returning a Result`, {
        cause: thrown,
      }),
    );
  }
}

function cancelled(attempt: number, signal: AbortSignal): AppError {
  return appError(ErrorCode.CANCELLED, `the database operation was cancelled before attempt ${attempt}`, {
    cause: signal.reason,
    details: { attempt },
  });
}

/**
 * Checks a policy before it is used: whole `maxAttempts` of at least 1, delays of 0 or more with
 * `maxDelayMs` at least `initialDelayMs`, `factor` at least 1. What is wrong is a CONFIGURATION_ERROR
 * ("retry policy maxAttempts must be ...") with the policy in `details`.
 */
export function validateRetryPolicy(policy: RetryPolicy): Result<RetryPolicy> {
  const problem = policyProblem(policy);
  if (problem === undefined) return ok(policy);
  return err(appError(ErrorCode.CONFIGURATION_ERROR, `retry policy ${problem}`, { details: { policy } }));
}

function policyProblem(policy: RetryPolicy): string | undefined {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    return `maxAttempts must be a whole number of at least 1, got ${policy.maxAttempts}`;
  }
  if (!Number.isFinite(policy.initialDelayMs) || policy.initialDelayMs < 0) {
    return `initialDelayMs must be 0 or more, got ${policy.initialDelayMs}`;
  }
  if (!Number.isFinite(policy.maxDelayMs) || policy.maxDelayMs < policy.initialDelayMs) {
    return `maxDelayMs must be at least initialDelayMs (${policy.initialDelayMs}), got ${policy.maxDelayMs}`;
  }
  if (!Number.isFinite(policy.factor) || policy.factor < 1) {
    return `factor must be at least 1, got ${policy.factor}`;
  }
  return undefined;
}

/** The real clock: a timer that is cleared, and resolves at once, when the signal aborts. */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
