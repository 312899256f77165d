import type { AppError } from "./app-error.js";
import { fromAsyncComputation, fromComputation, fromPromise, tryCatch } from "./adapters.js";
import { all, allAsync, collect, collectAsync } from "./combine.js";
import { andThen, getOrThrow, map, mapErr, match, orElse, tap, tapErr, unwrapOr } from "./combinators.js";
import { gen, genAsync } from "./gen.js";
import type { Result as ResultUnion } from "./result.js";
import { err, isErr, isOk, isResult, ok } from "./result.js";

/**
 * The outcome of something that can fail: `{ ok: true, value }` or `{ ok: false, error }`; the error type
 * defaults to {@link AppError}. Narrow it with `if (r.ok)`; transform it with the functions on `Result`.
 */
export type Result<T, E = AppError> = ResultUnion<T, E>;

/**
 * Every result function in one place, data-first: `Result.map(r, f)`. Each is also exported on its own
 * (`import { map } from "@certs/result"`).
 */
export const Result = Object.freeze({
  ok,
  err,
  isResult,
  isOk,
  isErr,
  map,
  mapErr,
  andThen,
  orElse,
  match,
  tap,
  tapErr,
  unwrapOr,
  getOrThrow,
  tryCatch,
  fromPromise,
  fromComputation,
  fromAsyncComputation,
  all,
  collect,
  allAsync,
  collectAsync,
  gen,
  genAsync,
});
