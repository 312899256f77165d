import { isDeepStrictEqual } from "node:util";
import { describe, expect, test } from "vitest";
import { err, isErr, isOk, isResult, ok } from "./index.js";

describe("ok and err", () => {
  test("ok builds a success with the given value", () => {
    const result = ok(42);
    expect(result.ok).toBe(true);
    expect(result.value).toBe(42);
  });

  test("ok with no argument holds undefined", () => {
    const result = ok();
    expect(result.ok).toBe(true);
    expect(result.value).toBeUndefined();
  });

  test("err builds a failure with the given error", () => {
    const result = err("boom");
    expect(result.ok).toBe(false);
    expect(result.error).toBe("boom");
  });

  test("results have only ok and value/error as own keys, so they serialize as plain objects", () => {
    expect(Object.keys(ok(1))).toEqual(["ok", "value"]);
    expect(Object.keys(err("e"))).toEqual(["ok", "error"]);
    expect(JSON.stringify(ok({ id: 7 }))).toBe('{"ok":true,"value":{"id":7}}');
    expect(JSON.stringify(err({ code: "X" }))).toBe('{"ok":false,"error":{"code":"X"}}');
    expect({ ...ok(1) }).toEqual({ ok: true, value: 1 });
  });

  test("results compare structurally with object literals and with each other", () => {
    expect(ok(1)).toEqual({ ok: true, value: 1 });
    expect(ok(1)).toStrictEqual({ ok: true, value: 1 });
    expect(err("e")).toStrictEqual({ ok: false, error: "e" });
    expect(ok(1)).toEqual(ok(1));
    expect(ok(1)).not.toEqual(ok(2));
    expect(err("a")).toEqual(err("a"));
    expect(err("a")).not.toEqual(err("b"));
    expect(ok(1)).not.toEqual(err(1));
    expect(isDeepStrictEqual(ok([1, 2]), ok([1, 2]))).toBe(true);
    expect(isDeepStrictEqual(ok([1, 2]), ok([1, 3]))).toBe(false);
  });
});

describe("narrowing", () => {
  test("isOk and isErr tell the variants apart", () => {
    expect(isOk(ok(1))).toBe(true);
    expect(isOk(err(1))).toBe(false);
    expect(isErr(err(1))).toBe(true);
    expect(isErr(ok(1))).toBe(false);
  });

  test("isResult accepts results built by ok and err only", () => {
    expect(isResult(ok(1))).toBe(true);
    expect(isResult(err(1))).toBe(true);
    expect(isResult({ ok: true, value: 1 })).toBe(false);
    expect(isResult(JSON.parse(JSON.stringify(ok(1))))).toBe(false);
    expect(isResult(null)).toBe(false);
    expect(isResult("ok")).toBe(false);
  });
});
