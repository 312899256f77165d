import type { Result } from "./result.js";
import { err, ok } from "./result.js";

// Every type parameter defaults to `never` so that a bare `Ok<number>` (no error type to infer from) gives
// `Result<U, never>` instead of `Result<U, unknown>`, and a union `Ok<A> | Err<B>` infers A and B separately.
// A throw inside a callback is a programmer error and propagates: these functions are synchronous.

/** Transforms the value of a success; a failure is returned unchanged. */
export function map<T = never, E = never, U = never>(result: Result<T, E>, f: (value: T) => U): Result<U, E> {
  return result.ok ? ok(f(result.value)) : result;
}

/** Transforms the error of a failure; a success is returned unchanged. */
export function mapErr<T = never, E = never, F = never>(
  result: Result<T, E>,
  f: (error: E) => F,
): Result<T, F> {
  return result.ok ? result : err(f(result.error));
}

/** Continues with another step that can fail; the error types of both steps accumulate. */
export function andThen<T = never, E = never, U = never, F = never>(
  result: Result<T, E>,
  f: (value: T) => Result<U, F>,
): Result<U, E | F> {
  return result.ok ? f(result.value) : result;
}

/** Recovers from a failure with another step that can fail; its error type replaces the original one. */
export function orElse<T = never, E = never, U = never, F = never>(
  result: Result<T, E>,
  f: (error: E) => Result<U, F>,
): Result<T | U, F> {
  return result.ok ? result : f(result.error);
}

/** The handlers given to {@link match}: one for each variant. */
export interface MatchHandlers<T, E, A, B> {
  readonly ok: (value: T) => A;
  readonly err: (error: E) => B;
}

/** Leaves the result world: calls the handler for the variant and returns what it returns. */
export function match<T = never, E = never, A = never, B = never>(
  result: Result<T, E>,
  handlers: MatchHandlers<T, E, A, B>,
): A | B {
  return result.ok ? handlers.ok(result.value) : handlers.err(result.error);
}

/** Runs a side effect on the value of a success (logging, metrics) and returns the same result. */
export function tap<T = never, E = never>(result: Result<T, E>, f: (value: T) => void): Result<T, E> {
  if (result.ok) f(result.value);
  return result;
}

/** Runs a side effect on the error of a failure and returns the same result. */
export function tapErr<T = never, E = never>(result: Result<T, E>, f: (error: E) => void): Result<T, E> {
  if (!result.ok) f(result.error);
  return result;
}

/** The value of a success, or `fallback` for a failure. */
export function unwrapOr<T = never, E = never, U = never>(result: Result<T, E>, fallback: U): T | U {
  return result.ok ? result.value : fallback;
}

/**
 * The value of a success; for a failure, throws the error value itself (an `AppError` is thrown as the plain
 * object). To throw a real `Error`, map the error first: `getOrThrow(mapErr(r, toError))`.
 */
export function getOrThrow<T = never, E = never>(result: Result<T, E>): T {
  if (result.ok) return result.value;
  // Throwing the original value is the documented contract, even when it is not an Error.
  throw result.error;
}
