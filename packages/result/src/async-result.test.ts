import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { Result } from "./index.js";
import { AsyncResult, err, ok } from "./index.js";

/** A promise the test settles by hand, to control the order in which things happen. */
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

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

const half = (n: number): Result<number, string> => (n % 2 === 0 ? ok(n / 2) : err(`${n} is odd`));

describe("building and awaiting", () => {
  test("awaiting gives the settled result", async () => {
    expect(await AsyncResult.ok(1)).toEqual(ok(1));
    expect(await AsyncResult.err("e")).toEqual(err("e"));
    expect(await AsyncResult.ok()).toEqual(ok(undefined));
  });

  test("from wraps a result or a promise of one", async () => {
    expect(await AsyncResult.from(ok(2))).toEqual(ok(2));
    expect(await AsyncResult.from(Promise.resolve(err("late")))).toEqual(err("late"));
  });

  test("works wherever a thenable is accepted", async () => {
    const [a, b] = await Promise.all([AsyncResult.ok(1), AsyncResult.err("e")]);
    expect(a).toEqual(ok(1));
    expect(b).toEqual(err("e"));
    expect(await Promise.resolve(AsyncResult.ok("x"))).toEqual(ok("x"));
  });

  test("from turns a rejected promise into an UnexpectedError that keeps the reason", async () => {
    const reason = new Error("socket closed");
    const result = await AsyncResult.from(Promise.reject(reason));
    expect(result).toEqual(
      err({
        code: "UNEXPECTED_ERROR",
        message: "The promise given to AsyncResult.from rejected: socket closed",
        cause: reason,
        details: { operation: "AsyncResult.from" },
      }),
    );
  });

  test("from turns a promise of something that is not a result into an UnexpectedError", async () => {
    const result = await AsyncResult.from(Promise.resolve(42) as unknown as Promise<Result<number, string>>);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ code: "UNEXPECTED_ERROR", cause: 42 });
      expect((result.error as { message: string }).message).toBe(
        "AsyncResult.from expected a Result but got a number",
      );
    }
  });

  test("from rebuilds a plain result object (for example one that crossed JSON) into a real result", async () => {
    const plain = JSON.parse(JSON.stringify(ok(5))) as Result<number, never>;
    const result = await AsyncResult.from(Promise.resolve(plain));
    const doubled = await AsyncResult.from(result).map((n) => n * 2);
    expect(doubled).toEqual(ok(10));
  });
});

describe("map and mapErr", () => {
  test("map accepts sync and async callbacks", async () => {
    expect(await AsyncResult.ok(2).map((n) => n + 1)).toEqual(ok(3));
    expect(await AsyncResult.ok(2).map(async (n) => n + 1)).toEqual(ok(3));
  });

  test("map on a failure is the identity and does not call the callback", async () => {
    let calls = 0;
    const result = await AsyncResult.err("e").map(() => {
      calls += 1;
      return 1;
    });
    expect(result).toEqual(err("e"));
    expect(calls).toBe(0);
  });

  test("mapErr accepts sync and async callbacks and leaves a success alone", async () => {
    expect(await AsyncResult.err("e").mapErr((e) => e.length)).toEqual(err(1));
    expect(await AsyncResult.err("e").mapErr(async (e) => e.length)).toEqual(err(1));
    expect(await AsyncResult.ok(1).mapErr(() => "never")).toEqual(ok(1));
  });
});

describe("andThen and orElse", () => {
  test("andThen accepts a callback returning a Result, a promise of one, or an AsyncResult", async () => {
    expect(await AsyncResult.ok(8).andThen(half)).toEqual(ok(4));
    expect(await AsyncResult.ok(8).andThen(async (n) => half(n))).toEqual(ok(4));
    expect(await AsyncResult.ok(8).andThen((n) => AsyncResult.from(half(n)))).toEqual(ok(4));
    expect(await AsyncResult.ok(3).andThen(async (n) => half(n))).toEqual(err("3 is odd"));
  });

  test("andThen stops at the first failure", async () => {
    let calls = 0;
    const result = await AsyncResult.err("first").andThen(() => {
      calls += 1;
      return ok(1);
    });
    expect(result).toEqual(err("first"));
    expect(calls).toBe(0);
  });

  test("orElse recovers from a failure with sync or async callbacks and leaves a success alone", async () => {
    expect(await AsyncResult.err("missing").orElse(() => ok(0))).toEqual(ok(0));
    expect(await AsyncResult.err("missing").orElse(async (e) => err(e.length))).toEqual(err(7));
    expect(await AsyncResult.ok(5).orElse(() => ok(0))).toEqual(ok(5));
  });
});

describe("tap and tapErr", () => {
  test("an async tap finishes before the next step runs", async () => {
    const gate = deferred<void>();
    const events: string[] = [];
    const chain = AsyncResult.ok(1)
      .tap(async () => {
        await gate.promise;
        events.push("tap done");
      })
      .map((n) => {
        events.push("map");
        return n;
      });
    await tick();
    expect(events).toEqual([]);
    gate.resolve();
    expect(await chain).toEqual(ok(1));
    expect(events).toEqual(["tap done", "map"]);
  });

  test("tap and tapErr only see their own variant and keep the result", async () => {
    const seen: unknown[] = [];
    expect(
      await AsyncResult.ok(1)
        .tap((v) => seen.push(v))
        .tapErr((e) => seen.push(e)),
    ).toEqual(ok(1));
    expect(
      await AsyncResult.err("e")
        .tap((v) => seen.push(v))
        .tapErr((e) => seen.push(e)),
    ).toEqual(err("e"));
    expect(seen).toEqual([1, "e"]);
  });
});

describe("match and unwrapOr", () => {
  test("match resolves to the value of the handler for the variant, sync or async", async () => {
    const handlers = { ok: (n: number) => `value ${n}`, err: async (e: string) => `error ${e}` };
    expect(await AsyncResult.ok(1).match(handlers)).toBe("value 1");
    expect(await AsyncResult.err("x").match(handlers)).toBe("error x");
  });

  test("match rejects when a handler throws, because it leaves the result world", async () => {
    await expect(
      AsyncResult.ok(1).match({
        ok: () => {
          throw new Error("handler bug");
        },
        err: () => 0,
      }),
    ).rejects.toThrow("handler bug");
  });

  test("unwrapOr resolves to the value or the fallback", async () => {
    expect(await AsyncResult.ok(1).unwrapOr(0)).toBe(1);
    expect(await AsyncResult.err("e").unwrapOr(0)).toBe(0);
  });
});

describe("a callback that throws or rejects", () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    unhandled.length = 0;
    process.on("unhandledRejection", record);
  });
  afterEach(() => {
    process.off("unhandledRejection", record);
  });

  test("a sync throw in map becomes an UnexpectedError that names the method and keeps the cause", async () => {
    const bug = new TypeError("Cannot read properties of undefined");
    const result = await AsyncResult.ok(1).map(() => {
      throw bug;
    });
    expect(result).toEqual(
      err({
        code: "UNEXPECTED_ERROR",
        message: "The callback given to AsyncResult.map threw: Cannot read properties of undefined",
        cause: bug,
        details: { operation: "AsyncResult.map" },
      }),
    );
  });

  test("an async callback that rejects becomes an UnexpectedError", async () => {
    const reason = new Error("query failed");
    const result = await AsyncResult.ok(1).andThen(async () => {
      await tick();
      throw reason;
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ code: "UNEXPECTED_ERROR", cause: reason });
      expect((result.error as { message: string }).message).toBe(
        "The callback given to AsyncResult.andThen threw: query failed",
      );
    }
  });

  test("every method turns a throw into an UnexpectedError", async () => {
    const boom = (): never => {
      throw new Error("boom");
    };
    const outcomes = await Promise.all([
      AsyncResult.ok(1).map(boom),
      AsyncResult.err(1).mapErr(boom),
      AsyncResult.ok(1).andThen(boom),
      AsyncResult.err(1).orElse(boom),
      AsyncResult.ok(1).tap(boom),
      AsyncResult.err(1).tapErr(boom),
    ]);
    expect(
      outcomes.map((outcome) => (outcome.ok ? "ok" : (outcome.error as { details: unknown }).details)),
    ).toEqual([
      { operation: "AsyncResult.map" },
      { operation: "AsyncResult.mapErr" },
      { operation: "AsyncResult.andThen" },
      { operation: "AsyncResult.orElse" },
      { operation: "AsyncResult.tap" },
      { operation: "AsyncResult.tapErr" },
    ]);
  });

  test("the chain goes on after the failure, so later steps can handle it", async () => {
    const result = await AsyncResult.ok(1)
      .map((): number => {
        throw new Error("bug");
      })
      .map((n) => n + 1)
      .mapErr((error) => `handled: ${error.code}`);
    expect(result).toEqual(err("handled: UNEXPECTED_ERROR"));
  });

  test("a callback that returns something other than a result becomes an UnexpectedError", async () => {
    const result = await AsyncResult.ok(1).andThen(() => "oops" as unknown as Result<number, string>);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: "UNEXPECTED_ERROR", cause: "oops" });
  });

  test("nothing rejects unhandled, even when nobody awaits the failing chain", async () => {
    void AsyncResult.ok(1).map(() => {
      throw new Error("ignored bug");
    });
    void AsyncResult.ok(1).andThen(() => Promise.reject(new Error("ignored rejection")));
    void AsyncResult.from(Promise.reject(new Error("ignored source")));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });

  test("then never calls onrejected", async () => {
    let rejected = false;
    const result = await AsyncResult.ok(1)
      .map(() => {
        throw new Error("bug");
      })
      .then(
        (settled) => settled.ok,
        () => {
          rejected = true;
          return "rejected";
        },
      );
    expect(result).toBe(false);
    expect(rejected).toBe(false);
  });
});

describe("a union of AsyncResults", () => {
  test("can be chained like a single AsyncResult", async () => {
    const pick = (flag: boolean) => (flag ? AsyncResult.ok(2) : AsyncResult.err("off"));
    expect(await pick(true).map((n) => n * 10)).toEqual(ok(20));
    expect(await pick(false).map((n) => n * 10)).toEqual(err("off"));
  });
});
