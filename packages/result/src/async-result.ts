import type { UnexpectedError } from "./app-error.js";
import { unexpectedError } from "./app-error.js";
import type { Err, Result } from "./result.js";
import { err, ok } from "./result.js";

/**
 * The error channel of an `AsyncResult` after a step that can throw: `E` plus {@link UnexpectedError}, unless `E`
 * already covers it (as `AppError` does), in which case it stays `E`.
 */
export type WithUnexpected<E> = [UnexpectedError] extends [E] ? E : E | UnexpectedError;

type Awaitable<T> = T | PromiseLike<T>;

// Set in the class's static block: lets this module build instances while the constructor stays private.
let wrapSettled: <T, E>(settled: Promise<Result<T, E>>) => AsyncResult<T, E>;

/**
 * A `Result` that is still being computed. It is `PromiseLike<Result<T, E>>`: `await` it to get the result.
 *
 * It never rejects. A callback given to one of its methods may be sync or async; if it throws or its promise
 * rejects, the chain continues with an {@link UnexpectedError} (code `UNEXPECTED_ERROR`, `cause` = what was
 * thrown), which is why every method's error type is widened with {@link WithUnexpected}.
 */
export class AsyncResult<T, E> implements PromiseLike<Result<T, E>> {
  static {
    wrapSettled = (settled) => new AsyncResult(settled);
  }

  readonly #settled: Promise<Result<T, E>>;

  private constructor(settled: Promise<Result<T, E>>) {
    this.#settled = settled;
  }

  /**
   * Wraps a result or a promise of one. If the promise rejects or resolves to something that is not a result,
   * the `AsyncResult` holds an {@link UnexpectedError} instead of rejecting.
   */
  static from<T = never, E = never>(source: Awaitable<Result<T, E>>): AsyncResult<T, WithUnexpected<E>> {
    return guarded(
      Promise.resolve(source),
      "AsyncResult.from",
      "The promise given to AsyncResult.from rejected",
    );
  }

  /** An already settled success. `AsyncResult.ok()` with no argument holds `undefined`. */
  static ok(): AsyncResult<void, never>;
  static ok<T>(value: T): AsyncResult<T, never>;
  static ok<T>(value?: T): AsyncResult<T | undefined, never> {
    return new AsyncResult(Promise.resolve(ok(value)));
  }

  /** An already settled failure. */
  static err<E>(error: E): AsyncResult<never, E> {
    return new AsyncResult(Promise.resolve(err(error)));
  }

  /** Lets `await` read the settled result. The returned promise rejects only if one of these handlers throws. */
  then<A = Result<T, E>, B = never>(
    onfulfilled?: ((result: Result<T, E>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#settled.then(onfulfilled, onrejected);
  }

  // The methods below declare `this` instead of using the class parameters so that a union such as
  // `AsyncResult<number, never> | AsyncResult<never, string>` still has one callable signature per method.

  /** Transforms the value of a success with a sync or async function. */
  map<A, X, U>(this: AsyncResult<A, X>, f: (value: A) => Awaitable<U>): AsyncResult<U, WithUnexpected<X>> {
    return guarded(
      this.#settled.then(async (result) => (result.ok ? ok(await f(result.value)) : result)),
      "AsyncResult.map",
      "The callback given to AsyncResult.map threw",
    );
  }

  /** Transforms the error of a failure with a sync or async function. */
  mapErr<A, X, F>(this: AsyncResult<A, X>, f: (error: X) => Awaitable<F>): AsyncResult<A, WithUnexpected<F>> {
    return guarded(
      this.#settled.then(async (result) => (result.ok ? result : err(await f(result.error)))),
      "AsyncResult.mapErr",
      "The callback given to AsyncResult.mapErr threw",
    );
  }

  /**
   * Continues with a step that can fail: `f` may return a `Result`, a promise of one, or an `AsyncResult`.
   * The error types accumulate.
   */
  andThen<A, X, U = never, F = never>(
    this: AsyncResult<A, X>,
    f: (value: A) => Awaitable<Result<U, F>>,
  ): AsyncResult<U, WithUnexpected<X | F>> {
    return guarded(
      this.#settled.then((result) => (result.ok ? f(result.value) : result)),
      "AsyncResult.andThen",
      "The callback given to AsyncResult.andThen threw",
    );
  }

  /** Recovers from a failure with a step that can fail; its error type replaces the original one. */
  orElse<A, X, U = never, F = never>(
    this: AsyncResult<A, X>,
    f: (error: X) => Awaitable<Result<U, F>>,
  ): AsyncResult<A | U, WithUnexpected<F>> {
    return guarded(
      this.#settled.then((result) => (result.ok ? result : f(result.error))),
      "AsyncResult.orElse",
      "The callback given to AsyncResult.orElse threw",
    );
  }

  /** Runs a side effect on the value of a success; an async side effect is awaited before the chain goes on. */
  tap<A, X>(this: AsyncResult<A, X>, f: (value: A) => unknown): AsyncResult<A, WithUnexpected<X>> {
    return guarded(
      this.#settled.then(async (result) => {
        if (result.ok) await f(result.value);
        return result;
      }),
      "AsyncResult.tap",
      "The callback given to AsyncResult.tap threw",
    );
  }

  /** Runs a side effect on the error of a failure; an async side effect is awaited before the chain goes on. */
  tapErr<A, X>(this: AsyncResult<A, X>, f: (error: X) => unknown): AsyncResult<A, WithUnexpected<X>> {
    return guarded(
      this.#settled.then(async (result) => {
        if (!result.ok) await f(result.error);
        return result;
      }),
      "AsyncResult.tapErr",
      "The callback given to AsyncResult.tapErr threw",
    );
  }

  /**
   * Leaves the result world: resolves to what the handler for the variant returns. This is a plain promise:
   * if a handler throws, it rejects, as any async function would.
   */
  match<A, X, P, Q>(
    this: AsyncResult<A, X>,
    handlers: { readonly ok: (value: A) => Awaitable<P>; readonly err: (error: X) => Awaitable<Q> },
  ): Promise<P | Q> {
    return this.#settled.then((result) =>
      result.ok ? handlers.ok(result.value) : handlers.err(result.error),
    );
  }

  /** Resolves to the value of a success, or to `fallback` for a failure. Never rejects. */
  unwrapOr<A, X, U>(this: AsyncResult<A, X>, fallback: U): Promise<A | U> {
    return this.#settled.then((result) => (result.ok ? result.value : fallback));
  }

  /** Used by `yield*` in `Result.genAsync`: a success evaluates to its value, a failure ends the generator. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Err<E>, T, unknown> {
    const result = await this.#settled;
    if (result.ok) return result.value;
    return yield* result;
  }
}

/**
 * An AsyncResult over a promise that may reject or resolve to a non-result (a callback threw, a caller passed
 * the wrong thing): both become an {@link UnexpectedError} whose message starts with `failure`.
 * Internal to the package.
 */
export function guarded<T, E>(
  promise: Promise<unknown>,
  operation: string,
  failure: string,
): AsyncResult<T, WithUnexpected<E>> {
  const settled = promise.then(
    (value): Result<T, WithUnexpected<E>> => {
      const result = asResult(value);
      if (result !== undefined) return result as Result<T, WithUnexpected<E>>;
      return unexpected(`${operation} expected a Result but got ${describeValue(value)}`, value, operation);
    },
    (cause: unknown): Result<T, WithUnexpected<E>> => unexpected(failure, cause, operation),
  );
  return wrapSettled(settled);
}

/** A failure holding an UnexpectedError, typed for any error channel that WithUnexpected widened. */
function unexpected<E>(message: string, cause: unknown, operation: string): Err<WithUnexpected<E>> {
  return err(unexpectedError(message, cause, { operation })) as Err<WithUnexpected<E>>;
}

/** The value as a result, rebuilding plain `{ ok, value }` / `{ ok, error }` objects; undefined if it is neither. */
function asResult(value: unknown): Result<unknown, unknown> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const candidate = value as { ok?: unknown; value?: unknown; error?: unknown };
  const iterable = typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === "function";
  if (candidate.ok === true && "value" in candidate) {
    return iterable ? (value as Result<unknown, unknown>) : ok(candidate.value);
  }
  if (candidate.ok === false && "error" in candidate) {
    return iterable ? (value as Result<unknown, unknown>) : err(candidate.error);
  }
  return undefined;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object without ok/value or ok/error" : `a ${typeof value}`;
}
