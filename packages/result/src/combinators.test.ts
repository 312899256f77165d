import { describe, expect, test } from "vitest";
import type { Result } from "./index.js";
import { andThen, err, getOrThrow, map, mapErr, match, ok, orElse, tap, tapErr, unwrapOr } from "./index.js";
import { Result as R } from "./index.js";

const double = (n: number): number => n * 2;
const half = (n: number): Result<number, string> => (n % 2 === 0 ? ok(n / 2) : err(`${n} is odd`));

describe("map", () => {
  test("transforms the value of a success", () => {
    expect(map(ok(21), double)).toEqual(ok(42));
  });

  test("is the identity on a failure and does not call the function", () => {
    const failure = err("bad");
    let calls = 0;
    const mapped = map(failure, () => {
      calls += 1;
      return 0;
    });
    expect(mapped).toBe(failure);
    expect(calls).toBe(0);
  });

  test("composes: mapping f then g equals mapping their composition", () => {
    const inc = (n: number): number => n + 1;
    expect(map(map(ok(3), inc), double)).toEqual(map(ok(3), (n) => double(inc(n))));
  });

  test("a throw in the callback propagates (programmer error)", () => {
    expect(() =>
      map(ok(1), () => {
        throw new Error("bug");
      }),
    ).toThrow("bug");
  });
});

describe("mapErr", () => {
  test("transforms the error of a failure", () => {
    expect(mapErr(err("bad"), (e) => e.toUpperCase())).toEqual(err("BAD"));
  });

  test("is the identity on a success", () => {
    const success = ok(1);
    expect(mapErr(success, () => "never")).toBe(success);
  });
});

describe("andThen", () => {
  test("continues with the next step on success", () => {
    expect(andThen(ok(8), half)).toEqual(ok(4));
    expect(andThen(ok(3), half)).toEqual(err("3 is odd"));
  });

  test("stops at the first failure without calling the next step", () => {
    let calls = 0;
    const result = andThen(err("first"), () => {
      calls += 1;
      return ok(1);
    });
    expect(result).toEqual(err("first"));
    expect(calls).toBe(0);
  });

  test("ok is a left identity: andThen(ok(x), f) equals f(x)", () => {
    expect(andThen(ok(6), half)).toEqual(half(6));
    expect(andThen(ok(5), half)).toEqual(half(5));
  });

  test("ok is a right identity: andThen(r, ok) equals r", () => {
    expect(andThen(ok(6), (n) => ok(n))).toEqual(ok(6));
    expect(andThen(err("e"), (n) => ok(n))).toEqual(err("e"));
  });
});

describe("orElse", () => {
  test("recovers from a failure", () => {
    expect(orElse(err("missing"), () => ok(0))).toEqual(ok(0));
  });

  test("can replace the error", () => {
    expect(orElse(err("missing"), (e) => err(e.length))).toEqual(err(7));
  });

  test("leaves a success alone", () => {
    const success = ok(5);
    expect(orElse(success, () => ok(0))).toBe(success);
  });
});

describe("match", () => {
  test("calls the handler of the variant and returns its value", () => {
    const handlers = { ok: (n: number) => `value ${n}`, err: (e: string) => `error ${e}` };
    expect(match(ok(1), handlers)).toBe("value 1");
    expect(match(err("x"), handlers)).toBe("error x");
  });
});

describe("tap and tapErr", () => {
  test("tap sees the value of a success and returns the same result", () => {
    const seen: number[] = [];
    const success = ok(3);
    expect(tap(success, (n) => seen.push(n))).toBe(success);
    expect(tap(err("e"), (n: number) => seen.push(n))).toEqual(err("e"));
    expect(seen).toEqual([3]);
  });

  test("tapErr sees the error of a failure and returns the same result", () => {
    const seen: string[] = [];
    const failure = err("e");
    expect(tapErr(failure, (e) => seen.push(e))).toBe(failure);
    expect(tapErr(ok(1), (e: string) => seen.push(e))).toEqual(ok(1));
    expect(seen).toEqual(["e"]);
  });
});

describe("unwrapOr and getOrThrow", () => {
  test("unwrapOr gives the value or the fallback", () => {
    expect(unwrapOr(ok(1), 0)).toBe(1);
    expect(unwrapOr(err("e"), 0)).toBe(0);
  });

  test("getOrThrow gives the value of a success", () => {
    expect(getOrThrow(ok("v"))).toBe("v");
  });

  test("getOrThrow throws the original error value itself", () => {
    const error = { code: "PARSE_ERROR", message: "bad" };
    let thrown: unknown;
    try {
      getOrThrow(err(error));
    } catch (caught) {
      thrown = caught;
    }
    expect(thrown).toBe(error);
  });
});

describe("the Result namespace object", () => {
  test("offers the same functions as the free exports", () => {
    expect(R.map).toBe(map);
    expect(R.andThen).toBe(andThen);
    expect(R.ok).toBe(ok);
    expect(R.err).toBe(err);
    expect(Object.isFrozen(R)).toBe(true);
  });
});
