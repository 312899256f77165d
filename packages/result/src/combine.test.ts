import { describe, expect, test } from "vitest";
import type { Result } from "./index.js";
import { AsyncResult, err, ok } from "./index.js";
import { Result as R } from "./index.js";

function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves to "still pending" if `promise` has not settled after a generous delay. */
function settledOrPending<T>(promise: PromiseLike<T>): Promise<T | "still pending"> {
  return Promise.race([
    Promise.resolve(promise),
    new Promise<"still pending">((resolve) => setTimeout(() => resolve("still pending"), 500)),
  ]);
}

describe("all", () => {
  test("a tuple of successes gives the values in order", () => {
    expect(R.all([ok(1), ok("two"), ok(true)])).toEqual(ok([1, "two", true]));
  });

  test("the first error in tuple order wins", () => {
    expect(R.all([ok(1), err("second"), err("third")])).toEqual(err("second"));
  });

  test("a record of successes gives a record with the same keys", () => {
    expect(R.all({ id: ok(7), name: ok("x") })).toEqual(ok({ id: 7, name: "x" }));
  });

  test("the first error in key order wins for records", () => {
    expect(R.all({ a: ok(1), b: err("b failed"), c: err("c failed") })).toEqual(err("b failed"));
  });

  test("empty inputs succeed", () => {
    expect(R.all([])).toEqual(ok([]));
    expect(R.all({})).toEqual(ok({}));
  });

  test("a key named __proto__ stays an ordinary key", () => {
    const input = JSON.parse('{"__proto__": 1}') as Record<string, number>;
    const results = Object.fromEntries(Object.entries(input).map(([key, value]) => [key, ok(value)]));
    const combined = R.all(results);
    expect(combined.ok && Object.keys(combined.value)).toEqual(["__proto__"]);
    expect(combined.ok && Object.getPrototypeOf(combined.value)).toBe(Object.prototype);
  });
});

describe("collect", () => {
  test("returns every error, in order", () => {
    expect(R.collect([err("a"), ok(1), err("c")])).toEqual(err(["a", "c"]));
    expect(R.collect({ x: err("x"), y: ok(1), z: err("z") })).toEqual(err(["x", "z"]));
  });

  test("returns the values when nothing failed", () => {
    expect(R.collect([ok(1), ok(2)])).toEqual(ok([1, 2]));
    expect(R.collect({ x: ok(1) })).toEqual(ok({ x: 1 }));
  });
});

describe("allAsync", () => {
  test("runs its inputs concurrently: all are started before any settles, values keep input order", async () => {
    const first = deferred<Result<number, string>>();
    const second = deferred<Result<number, string>>();
    const started: string[] = [];
    const start = (name: string, source: Promise<Result<number, string>>): AsyncResult<number, unknown> => {
      started.push(name);
      return AsyncResult.from(source);
    };
    const combined = R.allAsync([start("first", first.promise), start("second", second.promise)]);
    expect(started).toEqual(["first", "second"]);
    second.resolve(ok(2));
    first.resolve(ok(1));
    expect(await combined).toEqual(ok([1, 2]));
  });

  test("settles with an error at the first position without waiting for the others", async () => {
    const neverSettles = new Promise<Result<number, string>>(() => undefined);
    const combined = R.allAsync([AsyncResult.err("first failed"), neverSettles]);
    expect(await settledOrPending(combined)).toEqual(err("first failed"));
  });

  test("the error at the earliest position wins, whatever order the errors arrive in", async () => {
    const first = deferred<Result<number, string>>();
    const second = deferred<Result<number, string>>();
    const combined = R.allAsync([first.promise, second.promise]);
    second.resolve(err("second failed"));
    await new Promise((resolve) => setTimeout(resolve, 0));
    first.resolve(err("first failed"));
    expect(await combined).toEqual(err("first failed"));
  });

  test("a later error is returned once every earlier input has succeeded", async () => {
    const first = deferred<Result<number, string>>();
    const combined = R.allAsync([first.promise, err("second failed"), ok(3)]);
    first.resolve(ok(1));
    expect(await combined).toEqual(err("second failed"));
  });

  test("accepts records and plain results", async () => {
    expect(await R.allAsync({ a: ok(1), b: Promise.resolve(ok("b")), c: AsyncResult.ok(true) })).toEqual(
      ok({ a: 1, b: "b", c: true }),
    );
    expect(await R.allAsync([])).toEqual(ok([]));
  });

  test("a rejected input becomes an UnexpectedError instead of a rejection", async () => {
    const reason = new Error("pool closed");
    const result = await R.allAsync([ok(1), Promise.reject(reason)]);
    expect(result).toEqual(
      err({
        code: "UNEXPECTED_ERROR",
        message: "A promise given to Result.allAsync rejected: pool closed",
        cause: reason,
        details: { operation: "Result.allAsync" },
      }),
    );
  });
});

describe("collectAsync", () => {
  test("waits for every input and returns all errors in input order", async () => {
    const first = deferred<Result<number, string>>();
    const combined = R.collectAsync([first.promise, err("b"), AsyncResult.ok(3), AsyncResult.err("d")]);
    first.resolve(err("a"));
    expect(await combined).toEqual(err(["a", "b", "d"]));
  });

  test("returns the values in the input's shape when nothing failed", async () => {
    expect(await R.collectAsync({ x: Promise.resolve(ok(1)), y: ok(2) })).toEqual(ok({ x: 1, y: 2 }));
  });

  test("a rejected input is reported as an UnexpectedError among the errors", async () => {
    const result = await R.collectAsync([Promise.reject(new Error("gone")), err("b")]);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toHaveLength(2);
      expect(result.error[0]).toMatchObject({ code: "UNEXPECTED_ERROR" });
      expect(result.error[1]).toBe("b");
    }
  });
});
