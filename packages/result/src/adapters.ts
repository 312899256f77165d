import type { AppError, UnexpectedError } from "./app-error.js";
import { appError, messageOf, unexpectedError } from "./app-error.js";
import type { WithUnexpected } from "./async-result.js";
import type { AsyncResult } from "./async-result.js";
import { guarded } from "./async-result.js";
import type { Result } from "./result.js";
import { err, ok } from "./result.js";

// Adapters turn code that throws or rejects into results. Each one requires a way to describe the failure
// (an error mapper, or a code and a message), so an unknown thrown value never leaks into the error type.

/**
 * Runs `f`; a throw becomes `err(toErr(thrown))`. For functions that return a promise use {@link fromPromise}.
 * If `toErr` itself throws, that is a programmer error and propagates.
 */
export function tryCatch<T, E>(f: () => T, toErr: (cause: unknown) => E): Result<T, E> {
  let value: T;
  try {
    value = f();
  } catch (cause) {
    return err(toErr(cause));
  }
  return ok(value);
}

/**
 * Starts the promise returned by `start` and settles to `ok(value)` or `err(toErr(reason))`. `start` is a
 * function so that a synchronous throw while creating the promise is caught too. If `toErr` throws, the result
 * is an `UnexpectedError` instead: the returned `AsyncResult` never rejects.
 */
export function fromPromise<T, E>(
  start: () => T | PromiseLike<T>,
  toErr: (cause: unknown) => E,
): AsyncResult<T, WithUnexpected<E>> {
  const settled = new Promise<T>((resolve) => resolve(start())).then(
    (value): Result<T, E | UnexpectedError> => ok(value),
    (cause: unknown): Result<T, E | UnexpectedError> => {
      let mapped: E;
      try {
        mapped = toErr(cause);
      } catch (mapperFailure) {
        return err(
          unexpectedError("The error mapper given to Result.fromPromise threw", mapperFailure, {
            operation: "Result.fromPromise",
            rejection: cause,
          }),
        );
      }
      return err(mapped);
    },
  );
  // `settled` never rejects; guarded() only restates it as an AsyncResult.
  return guarded<T, E>(settled, "Result.fromPromise", "Result.fromPromise failed");
}

/** `message`, followed by the message of what was thrown when it has one: "Failed to store: connection refused". */
function computationMessage(message: string, cause: unknown): string {
  const causeMessage = messageOf(cause);
  return causeMessage === undefined ? message : `${message}: ${causeMessage}`;
}

/**
 * Runs `f`; a throw becomes an `AppError` with the given `code` and `message` (followed by the thrown error's
 * own message) and `cause` set to what was thrown. The style of the original pipeline:
 * `fromComputation(() => replaceAll(rows), ErrorCode.DATABASE_ERROR, "Failed to persist certificates")`.
 * For work that returns a promise use {@link fromAsyncComputation}.
 */
export function fromComputation<T>(f: () => T, code: string, message: string): Result<T, AppError> {
  return tryCatch(f, (cause) => appError(code, computationMessage(message, cause), { cause }));
}

/**
 * The async form of {@link fromComputation}: `f` may return a promise; a throw or a rejection becomes the
 * described `AppError`. Never rejects.
 */
export function fromAsyncComputation<T>(
  f: () => T | PromiseLike<T>,
  code: string,
  message: string,
): AsyncResult<T, AppError> {
  return fromPromise(f, (cause) => appError(code, computationMessage(message, cause), { cause }));
}
