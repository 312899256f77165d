import { describe, expect, test } from "vitest";
import type { Result } from "./index.js";
import { AsyncResult, err, ok } from "./index.js";
import { Result as R } from "./index.js";

const half = (n: number): Result<number, string> => (n % 2 === 0 ? ok(n / 2) : err(`${n} is odd`));

describe("gen", () => {
  test("yield* unwraps successes and the return value becomes the success", () => {
    const result = R.gen(function* () {
      const a = yield* half(8);
      const b = yield* half(a);
      return a + b;
    });
    expect(result).toEqual(ok(6));
  });

  test("stops at the first failure and returns that same Err", () => {
    const failure = err("stop here");
    let reachedAfter = false;
    const result = R.gen(function* () {
      yield* ok(1);
      yield* failure;
      reachedAfter = true;
      return 1;
    });
    expect(result).toBe(failure);
    expect(reachedAfter).toBe(false);
  });

  test("return yield* err(e) fails on purpose", () => {
    const result = R.gen(function* () {
      const n = yield* ok(3);
      if (n < 5) return yield* err(`too small: ${n}`);
      return n;
    });
    expect(result).toEqual(err("too small: 3"));
  });

  test("finally blocks run when the generator stops at a failure", () => {
    const events: string[] = [];
    R.gen(function* () {
      try {
        events.push("opened");
        yield* err("failed");
      } finally {
        events.push("closed");
      }
    });
    expect(events).toEqual(["opened", "closed"]);
  });

  test("a throw inside the generator propagates (programmer error)", () => {
    expect(() =>
      R.gen(function* () {
        yield* ok(1);
        throw new Error("bug");
      }),
    ).toThrow("bug");
  });

  test("a bare yield of something that is not an Err is refused", () => {
    const misuse = function* (): Generator<never, number, unknown> {
      yield "not a result" as never;
      return 1;
    };
    expect(() => R.gen(misuse)).toThrow(TypeError);
  });

  test("a generator without yield* gives ok of its return value", () => {
    expect(
      R.gen(
        // eslint-disable-next-line require-yield -- the case under test is a body without yield*.
        function* () {
          return "plain";
        },
      ),
    ).toEqual(ok("plain"));
  });
});

describe("genAsync", () => {
  test("yield* accepts Results, AsyncResults and awaited promises of Results", async () => {
    const result = await R.genAsync(async function* () {
      const a = yield* half(8);
      const b = yield* AsyncResult.ok(a * 10);
      const c = yield* await Promise.resolve(ok(b + 1));
      return c;
    });
    expect(result).toEqual(ok(41));
  });

  test("stops at the first failure from an AsyncResult", async () => {
    let reachedAfter = false;
    const result = await R.genAsync(async function* () {
      yield* AsyncResult.err("remote failed");
      reachedAfter = true;
      return 1;
    });
    expect(result).toEqual(err("remote failed"));
    expect(reachedAfter).toBe(false);
  });

  test("finally blocks run, including async cleanup, when stopped at a failure", async () => {
    const events: string[] = [];
    await R.genAsync(async function* () {
      try {
        yield* half(3);
      } finally {
        await new Promise((resolve) => setTimeout(resolve, 1));
        events.push("cleaned up");
      }
    });
    expect(events).toEqual(["cleaned up"]);
  });

  test("a throw inside the generator becomes an UnexpectedError and nothing rejects", async () => {
    const bug = new Error("bug in body");
    const result = await R.genAsync(async function* () {
      yield* ok(1);
      throw bug;
    });
    expect(result).toEqual(
      err({
        code: "UNEXPECTED_ERROR",
        message: "The generator given to Result.genAsync threw: bug in body",
        cause: bug,
        details: { operation: "Result.genAsync" },
      }),
    );
  });

  test("an awaited promise that rejects inside the generator becomes an UnexpectedError", async () => {
    const result = await R.genAsync(async function* () {
      const value = yield* await Promise.reject<Result<number, string>>(new Error("lost connection"));
      return value;
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: "UNEXPECTED_ERROR" });
  });
});
