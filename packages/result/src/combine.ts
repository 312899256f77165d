import type { AsyncResult, WithUnexpected } from "./async-result.js";
import { guarded } from "./async-result.js";
import type { InferErr, InferOk, Result } from "./result.js";
import { err, ok } from "./result.js";

type AnyResult = Result<unknown, unknown>;
type Awaitable<T> = T | PromiseLike<T>;

/** The values of a tuple, array or record of results, keeping its shape: `[Ok<number>, Ok<string>]` -> `[number, string]`. */
export type OkValues<Rs> = { -readonly [K in keyof Rs]: InferOk<Awaited<Rs[K]>> };

/** The union of the error types of a tuple, array or record of results (or promises of results). */
export type ErrValues<Rs> = Rs extends readonly unknown[]
  ? InferErr<Awaited<Rs[number]>>
  : InferErr<Awaited<Rs[keyof Rs]>>;

/**
 * Combines a tuple (or array) or a record of results into one: the values in the same shape, or the first
 * error in order (tuple index, record key order).
 */
export function all<const Rs extends readonly AnyResult[]>(results: Rs): Result<OkValues<Rs>, ErrValues<Rs>>;
export function all<const Rs extends Readonly<Record<string, AnyResult>>>(
  results: Rs,
): Result<OkValues<Rs>, ErrValues<Rs>>;
export function all(results: readonly AnyResult[] | Readonly<Record<string, AnyResult>>): AnyResult {
  const { list, keys } = flatten(results);
  const values: unknown[] = [];
  for (const result of list) {
    if (!result.ok) return result;
    values.push(result.value);
  }
  return ok(shaped(values, keys));
}

/**
 * Like {@link all}, but a failure carries every error, in order, as an array, so a caller can report all
 * problems at once (validation of many fields, many files).
 */
export function collect<const Rs extends readonly AnyResult[]>(
  results: Rs,
): Result<OkValues<Rs>, ErrValues<Rs>[]>;
export function collect<const Rs extends Readonly<Record<string, AnyResult>>>(
  results: Rs,
): Result<OkValues<Rs>, ErrValues<Rs>[]>;
export function collect(results: readonly AnyResult[] | Readonly<Record<string, AnyResult>>): AnyResult {
  const { list, keys } = flatten(results);
  return collectList(list, keys);
}

/**
 * The concurrent form of {@link all}: takes results, promises of results or `AsyncResult`s (already started,
 * so they run at the same time) and settles as soon as the outcome is known: the values once all succeed, or
 * the error at the earliest position once every position before it has succeeded (the same error `all` would
 * return). A rejected promise counts as an `UnexpectedError`. Never rejects.
 */
export function allAsync<const Rs extends readonly Awaitable<AnyResult>[]>(
  results: Rs,
): AsyncResult<OkValues<Rs>, WithUnexpected<ErrValues<Rs>>>;
export function allAsync<const Rs extends Readonly<Record<string, Awaitable<AnyResult>>>>(
  results: Rs,
): AsyncResult<OkValues<Rs>, WithUnexpected<ErrValues<Rs>>>;
export function allAsync(
  results: readonly Awaitable<AnyResult>[] | Readonly<Record<string, Awaitable<AnyResult>>>,
): AsyncResult<unknown, unknown> {
  const { list: sources, keys } = flatten(results);
  const settled = new Promise<AnyResult>((resolve) => {
    const outcomes: (AnyResult | undefined)[] = sources.map(() => undefined);
    let firstUnknown = 0;
    // Walks forward over settled successes; stops at the first failure or at a position still pending.
    const advance = (): void => {
      while (firstUnknown < outcomes.length) {
        const outcome = outcomes[firstUnknown];
        if (outcome === undefined) return;
        if (!outcome.ok) {
          resolve(outcome);
          return;
        }
        firstUnknown += 1;
      }
      resolve(
        ok(
          shaped(
            (outcomes as AnyResult[]).map((outcome) => (outcome.ok ? outcome.value : undefined)),
            keys,
          ),
        ),
      );
    };
    sources.forEach((source, index) => {
      void settle(source, "Result.allAsync").then((outcome) => {
        outcomes[index] = outcome;
        advance();
      });
    });
    advance();
  });
  return guarded(settled, "Result.allAsync", "Result.allAsync failed");
}

/**
 * The concurrent form of {@link collect}: waits for every input, then returns the values or all errors in
 * order. A rejected promise counts as an `UnexpectedError`. Never rejects.
 */
export function collectAsync<const Rs extends readonly Awaitable<AnyResult>[]>(
  results: Rs,
): AsyncResult<OkValues<Rs>, WithUnexpected<ErrValues<Rs>>[]>;
export function collectAsync<const Rs extends Readonly<Record<string, Awaitable<AnyResult>>>>(
  results: Rs,
): AsyncResult<OkValues<Rs>, WithUnexpected<ErrValues<Rs>>[]>;
export function collectAsync(
  results: readonly Awaitable<AnyResult>[] | Readonly<Record<string, Awaitable<AnyResult>>>,
): AsyncResult<unknown, unknown> {
  const { list: sources, keys } = flatten(results);
  const settled = Promise.all(sources.map((source) => settle(source, "Result.collectAsync"))).then((list) =>
    collectList(list, keys),
  );
  return guarded(settled, "Result.collectAsync", "Result.collectAsync failed");
}

/** One input as an AsyncResult that never rejects; a rejection becomes an UnexpectedError naming `operation`. */
function settle(source: Awaitable<AnyResult>, operation: string): AsyncResult<unknown, unknown> {
  return guarded(Promise.resolve(source), operation, `A promise given to ${operation} rejected`);
}

function collectList(list: readonly AnyResult[], keys: readonly string[] | undefined): AnyResult {
  const values: unknown[] = [];
  const errors: unknown[] = [];
  for (const result of list) {
    if (result.ok) values.push(result.value);
    else errors.push(result.error);
  }
  return errors.length > 0 ? err(errors) : ok(shaped(values, keys));
}

/** The inputs as a list, with the record's keys when the input was a record. */
function flatten<V>(results: readonly V[] | Readonly<Record<string, V>>): {
  list: readonly V[];
  keys: readonly string[] | undefined;
} {
  if (isList(results)) return { list: results, keys: undefined };
  const keys = Object.keys(results);
  return { list: keys.map((key) => results[key] as V), keys };
}

function isList<V>(results: readonly V[] | Readonly<Record<string, V>>): results is readonly V[] {
  return Array.isArray(results);
}

/** The values as an array, or as a record when the input was one. */
function shaped(values: readonly unknown[], keys: readonly string[] | undefined): unknown {
  // fromEntries defines properties, so a key named "__proto__" stays an ordinary key.
  return keys === undefined ? values : Object.fromEntries(keys.map((key, index) => [key, values[index]]));
}
