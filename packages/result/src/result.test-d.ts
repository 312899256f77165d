import { describe, expectTypeOf, test } from "vitest";
import type { AppError, Err, ErrorCode, InferErr, InferOk, Ok, UnexpectedError } from "./index.js";
import { ErrorCode as Codes, Result, andThen, appError, err, map, mapErr, ok, orElse } from "./index.js";

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

// No return annotation: TypeScript infers the union `Ok<number> | Err<string>` (neverthrow issue #417).
function okOrErr(flag: boolean) {
  return flag ? ok(1) : err("bad");
}

describe("a union of Ok and Err returned from a function", () => {
  test("is inferred as the union and is a Result", () => {
    expectTypeOf(okOrErr(true)).toEqualTypeOf<Ok<number> | Err<string>>();
    expectTypeOf(okOrErr(true)).toEqualTypeOf<Result<number, string>>();
  });

  test("works with every combinator", () => {
    const r = okOrErr(true);
    expectTypeOf(map(r, (n) => n * 2)).toEqualTypeOf<Result<number, string>>();
    expectTypeOf(mapErr(r, (e) => e.length)).toEqualTypeOf<Result<number, number>>();
    expectTypeOf(andThen(r, () => ok({ done: true }))).toEqualTypeOf<Result<{ done: boolean }, string>>();
    expectTypeOf(orElse(r, () => ok(0))).toEqualTypeOf<Result<number, never>>();
    expectTypeOf(Result.match(r, { ok: (n) => n, err: (e) => e })).toEqualTypeOf<number | string>();
    expectTypeOf(Result.tap(r, () => undefined)).toEqualTypeOf<Result<number, string>>();
    expectTypeOf(Result.tapErr(r, () => undefined)).toEqualTypeOf<Result<number, string>>();
    expectTypeOf(Result.unwrapOr(r, null)).toEqualTypeOf<number | null>();
    expectTypeOf(Result.getOrThrow(r)).toEqualTypeOf<number>();
  });

  test("narrows on ok", () => {
    const r = okOrErr(true);
    if (r.ok) expectTypeOf(r.value).toEqualTypeOf<number>();
    else expectTypeOf(r.error).toEqualTypeOf<string>();
    if (Result.isErr(r)) expectTypeOf(r.error).toEqualTypeOf<string>();
  });
});

describe("error types", () => {
  test("a bare ok has no error type and a bare err has no value type", () => {
    expectTypeOf(map(ok(1), (n) => n + 1)).toEqualTypeOf<Result<number, never>>();
    expectTypeOf(map(err("x"), (n) => n)).toEqualTypeOf<Result<never, string>>();
    expectTypeOf(ok()).toEqualTypeOf<Ok<void>>();
  });

  test("andThen chains accumulate error unions", () => {
    const r = andThen(
      andThen(parse("1"), (n) => find(n)),
      (s) => (s === "" ? err<Timeout>({ kind: "timeout" }) : ok(s)),
    );
    expectTypeOf(r).toEqualTypeOf<Result<string, ParseError | NotFound | Timeout>>();
  });

  test("orElse replaces the error type with the recovery's", () => {
    expectTypeOf(orElse(parse("1"), () => find(1))).toEqualTypeOf<Result<number | string, NotFound>>();
  });

  test("the default error type is AppError and an UnexpectedError fits in it", () => {
    const load = (): Result<number> => err(appError(Codes.PARSE_ERROR, "bad"));
    expectTypeOf(load()).toEqualTypeOf<Result<number, AppError>>();
    expectTypeOf<Result<number, UnexpectedError>>().toExtend<Result<number>>();
  });

  test("InferOk and InferErr read the parts of a result type", () => {
    expectTypeOf<InferOk<Result<number, string>>>().toEqualTypeOf<number>();
    expectTypeOf<InferErr<Result<number, string>>>().toEqualTypeOf<string>();
  });
});

describe("generic code", () => {
  test("combinators keep type parameters as they are", () => {
    function wrap<T>(r: Result<T, string>) {
      return map(r, (value) => [value]);
    }
    expectTypeOf(wrap(ok(1))).toEqualTypeOf<Result<number[], string>>();
  });
});

describe("ErrorCode", () => {
  test("each constant has its literal type and the type is their union", () => {
    expectTypeOf(Codes.PARSE_ERROR).toEqualTypeOf<"PARSE_ERROR">();
    expectTypeOf<"TIMEOUT">().toExtend<ErrorCode>();
    expectTypeOf<"NOT_A_CODE">().not.toExtend<ErrorCode>();
  });
});

describe("what is not a Result", () => {
  test("a hand-written object literal is not a Result: build results with ok and err", () => {
    // @ts-expect-error the literal lacks the iterator that yield* needs
    const literal: Result<number, string> = { ok: true, value: 1 };
    expectTypeOf(literal).toBeObject();
  });
});
