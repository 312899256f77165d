import type { AsyncResult, WithUnexpected } from "./async-result.js";
import { guarded } from "./async-result.js";
import type { Err, InferErr, Result } from "./result.js";
import { ok } from "./result.js";

/**
 * Do-notation for results. Inside the generator, `yield* r` evaluates to the value of a success and ends the
 * generator at the first failure; what the generator returns becomes the success value. The error type is the
 * union of the errors of every result given to `yield*`. To fail on purpose, `return yield* err(e)`.
 *
 * ```ts
 * const total = Result.gen(function* () {
 *   const a = yield* parseCount(text); // Result<number, ParseError>
 *   const b = yield* lookupLimit(id); // Result<number, NotFound>
 *   return a + b;
 * }); // Result<number, ParseError | NotFound>
 * ```
 *
 * `finally` blocks in the generator run when it stops at a failure. A throw inside the generator propagates,
 * as it does for the other synchronous combinators.
 */
export function gen<Y extends Err<unknown> = never, T = void>(
  body: () => Generator<Y, T, unknown>,
): Result<T, InferErr<Y>> {
  const iterator = body();
  const step = iterator.next();
  if (step.done === true) return ok(step.value);
  // Stop the generator so its finally blocks run, then report the failure it yielded.
  iterator.return(undefined as T);
  return failureFrom(step.value) as Result<T, InferErr<Y>>;
}

/**
 * Async do-notation. Inside the async generator, `yield*` accepts a `Result`, an `AsyncResult`, or (with
 * `yield* await p`) a promise of a `Result`. The error type is the union of all their errors plus
 * `UnexpectedError` (see `WithUnexpected`) for a throw or rejection inside the generator; the returned `AsyncResult` never rejects.
 *
 * ```ts
 * const row = Result.genAsync(async function* () {
 *   const url = yield* parseConnectionUrl(text); // Result
 *   const source = yield* await openDataSource(url); // Promise<Result>
 *   const rows = yield* loadRows(source); // AsyncResult
 *   return rows[0];
 * });
 * ```
 */
export function genAsync<Y extends Err<unknown> = never, T = void>(
  body: () => AsyncGenerator<Y, T, unknown>,
): AsyncResult<T, WithUnexpected<InferErr<Y>>> {
  const run = async (): Promise<Result<T, InferErr<Y>>> => {
    const iterator = body();
    const step = await iterator.next();
    if (step.done === true) return ok(step.value);
    await iterator.return(undefined as T);
    return failureFrom(step.value) as Result<T, InferErr<Y>>;
  };
  return guarded<T, InferErr<Y>>(run(), "Result.genAsync", "The generator given to Result.genAsync threw");
}

/** The yielded value, checked: only an Err may be yielded (by `yield*` on a result). */
function failureFrom(yielded: unknown): Err<unknown> {
  const candidate = yielded as Partial<Err<unknown>> | null;
  if (typeof candidate === "object" && candidate !== null && candidate.ok === false && "error" in candidate) {
    return yielded as Err<unknown>;
  }
  throw new TypeError(
    "Result.gen received a yielded value that is not an Err; use yield* on a Result, not a bare yield.",
  );
}
