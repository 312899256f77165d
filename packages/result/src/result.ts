import type { AppError } from "./app-error.js";

/**
 * A success. A plain object: `{ ok: true, value }`. It also inherits a non-enumerable `[Symbol.iterator]`, which
 * lets `yield*` unwrap it inside `Result.gen`; serializing or comparing it sees only `ok` and `value`.
 */
export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
  /** Used by `yield*` in `Result.gen`: an `Ok` yields nothing and evaluates to its value. */
  [Symbol.iterator](): Generator<never, T, unknown>;
}

/**
 * A failure. A plain object: `{ ok: false, error }`, with the same inherited `[Symbol.iterator]` as {@link Ok}.
 */
export interface Err<E> {
  readonly ok: false;
  readonly error: E;
  /** Used by `yield*` in `Result.gen`: an `Err` yields itself, which ends the generator with this error. */
  [Symbol.iterator](): Generator<Err<E>, never, unknown>;
}

/**
 * The outcome of something that can fail: `{ ok: true, value }` or `{ ok: false, error }`.
 * Narrow it with `if (r.ok)`; transform it with the functions on the `Result` namespace object.
 */
export type Result<T, E = AppError> = Ok<T> | Err<E>;

/** The success type of a result type: `InferOk<Result<number, string>>` is `number`. */
export type InferOk<R> = R extends Ok<infer T> ? T : never;

/** The error type of a result type: `InferErr<Result<number, string>>` is `string`. */
export type InferErr<R> = R extends Err<infer E> ? E : never;

// Shared prototypes keep ok()/err() as cheap as an object literal while giving yield* something to call.
const okPrototype: object = Object.freeze({
  // eslint-disable-next-line require-yield -- an Ok has nothing to yield: `yield* ok(x)` simply evaluates to x.
  *[Symbol.iterator](this: Ok<unknown>): Generator<never, unknown, unknown> {
    return this.value;
  },
});

const errPrototype: object = Object.freeze({
  *[Symbol.iterator](this: Err<unknown>): Generator<Err<unknown>, never, unknown> {
    yield this;
    // Result.gen never resumes here. Other iterators do (test frameworks' deep equality walks iterables),
    // so finishing quietly keeps `expect(err(a)).toEqual(err(b))` working.
    return undefined as never;
  },
});

/** Builds a success. `ok()` with no argument is an `Ok<void>`, for operations that return nothing. */
export function ok(): Ok<void>;
export function ok<T>(value: T): Ok<T>;
export function ok<T>(value?: T): Ok<T | undefined> {
  const result = Object.create(okPrototype) as { ok: true; value: T | undefined };
  result.ok = true;
  result.value = value;
  return result as Ok<T | undefined>;
}

/** Builds a failure carrying `error` (usually an {@link AppError}). */
export function err<E>(error: E): Err<E> {
  const result = Object.create(errPrototype) as { ok: false; error: E };
  result.ok = false;
  result.error = error;
  return result as Err<E>;
}

/**
 * True when `value` is a result built by {@link ok} or {@link err}. A plain `{ ok, value }` object that went through
 * JSON or `structuredClone` is not: rebuild it with `ok`/`err` to use it with `yield*`.
 */
export function isResult(value: unknown): value is Result<unknown, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === okPrototype || proto === errPrototype;
}

/** Narrows a result to its success. */
export function isOk<T, E>(result: Result<T, E>): result is Ok<T> {
  return result.ok;
}

/** Narrows a result to its failure. */
export function isErr<T, E>(result: Result<T, E>): result is Err<E> {
  return !result.ok;
}
