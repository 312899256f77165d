import { describe, expectTypeOf, test } from "vitest";
import type { AppError, AsyncResult, UnexpectedError } from "./index.js";
import { Result, appError, err, ok } from "./index.js";

interface ParseError {
  readonly kind: "parse";
}
interface NotFound {
  readonly kind: "not-found";
}
interface Timeout {
  readonly kind: "timeout";
}

declare function parse(text: string): Result<number, ParseError>;
declare function find(id: number): Result<string, NotFound>;
declare function fetchRemote(id: string): AsyncResult<boolean, Timeout>;
declare function loadRow(id: number): Promise<Result<{ id: number }>>;

function okOrErr(flag: boolean) {
  return flag ? ok(1) : err("bad");
}

describe("gen", () => {
  test("the error type is the union of every yielded error, not only the first (neverthrow #603/#604)", () => {
    const r = Result.gen(function* () {
      const a = yield* parse("1");
      const b = yield* find(a);
      const c = yield* b === "" ? err<Timeout>({ kind: "timeout" }) : ok(b.length);
      return a + c;
    });
    expectTypeOf(r).toEqualTypeOf<Result<number, ParseError | NotFound | Timeout>>();
  });

  test("yield* evaluates to the success type, also for unannotated unions", () => {
    Result.gen(function* () {
      const a = yield* parse("1");
      expectTypeOf(a).toEqualTypeOf<number>();
      const b = yield* okOrErr(true);
      expectTypeOf(b).toEqualTypeOf<number>();
      return a + b;
    });
  });

  test("return yield* err(e) adds e's type", () => {
    const r = Result.gen(function* () {
      const n = yield* parse("1");
      if (n < 0) return yield* err(appError("VALIDATION_ERROR", "negative"));
      return n;
    });
    expectTypeOf(r).toEqualTypeOf<Result<number, ParseError | AppError>>();
  });

  test("a generator that yields nothing has no error type", () => {
    expectTypeOf(
      Result.gen(
        // eslint-disable-next-line require-yield -- the case under test is a body without yield*.
        function* () {
          return "x";
        },
      ),
    ).toEqualTypeOf<Result<string, never>>();
  });

  test("yield* on something that is not a Result is a type error", () => {
    Result.gen(function* () {
      // @ts-expect-error a number is not iterable
      yield* 5;
    });
  });
});

describe("genAsync", () => {
  test("accepts Result, AsyncResult and awaited promises and unites their errors", () => {
    const r = Result.genAsync(async function* () {
      const a = yield* parse("1");
      const b = yield* await loadRow(a);
      const c = yield* fetchRemote(String(b.id));
      return c;
    });
    // AppError covers UnexpectedError, so nothing is added.
    expectTypeOf(r).toEqualTypeOf<AsyncResult<boolean, ParseError | AppError | Timeout>>();
  });

  test("a promise of a Result must be awaited before yield*", () => {
    void Result.genAsync(async function* () {
      // @ts-expect-error a Promise is not iterable: write `yield* await loadRow(1)`
      const row = yield* loadRow(1);
      return row;
    });
  });

  test("adds UnexpectedError to error types that do not cover it", () => {
    const r = Result.genAsync(async function* () {
      const a = yield* parse("1");
      const b = yield* find(a);
      const c = yield* fetchRemote(b);
      return c;
    });
    expectTypeOf(r).toEqualTypeOf<AsyncResult<boolean, ParseError | NotFound | Timeout | UnexpectedError>>();
  });
});
