import { describe, expectTypeOf, test } from "vitest";
import type { AppError, UnexpectedError, WithUnexpected } from "./index.js";
import { AsyncResult, Result, appError, err, ok } from "./index.js";

interface NotFound {
  readonly kind: "not-found";
}
interface Timeout {
  readonly kind: "timeout";
}

declare function fetchRemote(id: string): AsyncResult<boolean, Timeout>;

describe("the error channel", () => {
  test("WithUnexpected adds UnexpectedError unless the error type already covers it", () => {
    expectTypeOf<WithUnexpected<AppError>>().toEqualTypeOf<AppError>();
    expectTypeOf<WithUnexpected<NotFound>>().toEqualTypeOf<NotFound | UnexpectedError>();
    expectTypeOf<WithUnexpected<never>>().toEqualTypeOf<UnexpectedError>();
  });

  test("an AppError channel stays AppError through every step", () => {
    const r = Result.fromPromise(
      () => Promise.resolve(1),
      (cause) => appError("DOWNLOAD_ERROR", "x", { cause }),
    );
    expectTypeOf(r).toEqualTypeOf<AsyncResult<number, AppError>>();
    expectTypeOf(r.map((n) => n + 1)).toEqualTypeOf<AsyncResult<number, AppError>>();
    expectTypeOf(r.andThen(() => err(appError("PARSE_ERROR", "y")))).toEqualTypeOf<
      AsyncResult<never, AppError>
    >();
  });

  test("awaiting gives the Result of the channel", async () => {
    expectTypeOf(await fetchRemote("x")).toEqualTypeOf<Result<boolean, Timeout>>();
    expectTypeOf(await fetchRemote("x").map(String)).toEqualTypeOf<
      Result<string, Timeout | UnexpectedError>
    >();
  });

  test("an AsyncResult can be returned where a Promise of a Result is expected", () => {
    const load = async (): Promise<Result<boolean, Timeout>> => fetchRemote("x");
    expectTypeOf(load).returns.toEqualTypeOf<Promise<Result<boolean, Timeout>>>();
  });

  test("from widens with UnexpectedError because the promise may reject", () => {
    expectTypeOf(AsyncResult.from(Promise.resolve(ok(1)))).toEqualTypeOf<
      AsyncResult<number, UnexpectedError>
    >();
    const loaded: Promise<Result<number>> = Promise.resolve(ok(1));
    expectTypeOf(AsyncResult.from(loaded)).toEqualTypeOf<AsyncResult<number, AppError>>();
  });
});

describe("callbacks", () => {
  test("andThen infers the same with sync and async callbacks and with an AsyncResult", () => {
    const base = fetchRemote("x");
    const sync = base.andThen((b) => (b ? ok(1) : err<NotFound>({ kind: "not-found" })));
    const async = base.andThen(async (b) => (b ? ok(1) : err<NotFound>({ kind: "not-found" })));
    expectTypeOf(sync).toEqualTypeOf<AsyncResult<number, Timeout | NotFound | UnexpectedError>>();
    expectTypeOf(async).toEqualTypeOf<AsyncResult<number, Timeout | NotFound | UnexpectedError>>();
    expectTypeOf(base.andThen((b) => fetchRemote(String(b)))).toEqualTypeOf<
      AsyncResult<boolean, Timeout | UnexpectedError>
    >();
  });

  test("map and mapErr infer the same with sync and async callbacks", () => {
    const base = fetchRemote("x");
    expectTypeOf(base.map((b) => String(b))).toEqualTypeOf<AsyncResult<string, Timeout | UnexpectedError>>();
    expectTypeOf(base.map(async (b) => String(b))).toEqualTypeOf<
      AsyncResult<string, Timeout | UnexpectedError>
    >();
    expectTypeOf(base.mapErr((e) => e.kind)).toEqualTypeOf<
      AsyncResult<boolean, "timeout" | UnexpectedError>
    >();
    expectTypeOf(base.mapErr(async (e) => e.kind)).toEqualTypeOf<
      AsyncResult<boolean, "timeout" | UnexpectedError>
    >();
  });

  test("mapErr and orElse see the UnexpectedError added by earlier steps", () => {
    fetchRemote("x")
      .map(String)
      .mapErr((error) => {
        expectTypeOf(error).toEqualTypeOf<Timeout | UnexpectedError>();
        return error;
      });
    expectTypeOf(fetchRemote("x").orElse(() => ok("fallback"))).toEqualTypeOf<
      AsyncResult<boolean | string, UnexpectedError>
    >();
  });

  test("match and unwrapOr leave the result world as plain promises", () => {
    const base = fetchRemote("x");
    expectTypeOf(base.match({ ok: (b) => Number(b), err: async (e) => e.kind })).toEqualTypeOf<
      Promise<number | "timeout">
    >();
    expectTypeOf(base.unwrapOr(null)).toEqualTypeOf<Promise<boolean | null>>();
  });

  test("tap keeps the value type", () => {
    expectTypeOf(fetchRemote("x").tap(async () => undefined)).toEqualTypeOf<
      AsyncResult<boolean, Timeout | UnexpectedError>
    >();
  });
});

describe("unions and generic code", () => {
  test("a union of AsyncResults returned from a function is still callable", () => {
    const pick = (flag: boolean) => (flag ? AsyncResult.ok(1) : AsyncResult.err("bad"));
    expectTypeOf(pick(true).map((n) => n + 1)).toEqualTypeOf<AsyncResult<number, string | UnexpectedError>>();
    expectTypeOf(pick(true).andThen((n) => ok(n))).toEqualTypeOf<
      AsyncResult<number, string | UnexpectedError>
    >();
  });

  test("a generic error channel can be passed on", () => {
    function describe<E>(source: AsyncResult<number, E>): AsyncResult<string, E | UnexpectedError> {
      return source.map((n) => n.toFixed(2));
    }
    expectTypeOf(describe(fetchRemote("x").map(() => 1))).toEqualTypeOf<
      AsyncResult<string, Timeout | UnexpectedError>
    >();
  });
});
