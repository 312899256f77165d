import { describe, expectTypeOf, test } from "vitest";
import type { AppError, AsyncResult, UnexpectedError } from "./index.js";
import { ErrorCode, Result } from "./index.js";

describe("adapters", () => {
  test("tryCatch and fromComputation give sync results", () => {
    expectTypeOf(Result.tryCatch(() => 1, String)).toEqualTypeOf<Result<number, string>>();
    expectTypeOf(Result.fromComputation(() => "x", ErrorCode.DATABASE_ERROR, "m")).toEqualTypeOf<
      Result<string, AppError>
    >();
  });

  test("fromPromise infers the awaited value and adds UnexpectedError for a throwing mapper", () => {
    expectTypeOf(Result.fromPromise(async () => 1, String)).toEqualTypeOf<
      AsyncResult<number, string | UnexpectedError>
    >();
  });

  test("fromAsyncComputation gives an AppError channel", () => {
    expectTypeOf(Result.fromAsyncComputation(async () => [1], ErrorCode.FILE_ERROR, "m")).toEqualTypeOf<
      AsyncResult<number[], AppError>
    >();
  });

  test("an error mapper is required", () => {
    // @ts-expect-error fromPromise needs a mapper for the rejection
    void Result.fromPromise(async () => 1);
  });
});
