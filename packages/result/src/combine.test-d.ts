import { describe, expectTypeOf, test } from "vitest";
import type { AsyncResult, UnexpectedError } from "./index.js";
import { Result, ok } from "./index.js";

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

describe("all and collect", () => {
  test("tuples keep their element types and the errors unite", () => {
    expectTypeOf(Result.all([parse("1"), find(1), ok(true)])).toEqualTypeOf<
      Result<[number, string, boolean], ParseError | NotFound>
    >();
  });

  test("arrays give arrays", () => {
    const many: Result<number, ParseError>[] = [];
    expectTypeOf(Result.all(many)).toEqualTypeOf<Result<number[], ParseError>>();
  });

  test("records keep their keys", () => {
    expectTypeOf(Result.all({ n: parse("1"), s: find(1) })).toEqualTypeOf<
      Result<{ n: number; s: string }, ParseError | NotFound>
    >();
  });

  test("collect gives an array of the error union", () => {
    expectTypeOf(Result.collect([parse("1"), find(1)])).toEqualTypeOf<
      Result<[number, string], (ParseError | NotFound)[]>
    >();
  });
});

describe("allAsync and collectAsync", () => {
  test("accept AsyncResults, promises and results, keeping tuple and record shapes", () => {
    expectTypeOf(Result.allAsync([fetchRemote("x"), Promise.resolve(parse("1")), find(1)])).toEqualTypeOf<
      AsyncResult<[boolean, number, string], Timeout | ParseError | NotFound | UnexpectedError>
    >();
    expectTypeOf(Result.allAsync({ remote: fetchRemote("x"), n: parse("1") })).toEqualTypeOf<
      AsyncResult<{ remote: boolean; n: number }, Timeout | ParseError | UnexpectedError>
    >();
    expectTypeOf(Result.collectAsync([fetchRemote("x"), find(1)])).toEqualTypeOf<
      AsyncResult<[boolean, string], (Timeout | NotFound | UnexpectedError)[]>
    >();
  });
});
