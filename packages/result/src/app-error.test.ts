import { describe, expect, test } from "vitest";
import { AppErrorException, ErrorCode, Result, appError, err, isAppError, toError } from "./index.js";

describe("ErrorCode", () => {
  test("every documented code is a string equal to its name", () => {
    const documented = [
      "VALIDATION_ERROR",
      "DATA_ERROR",
      "CONFIGURATION_ERROR",
      "DOWNLOAD_ERROR",
      "PARSE_ERROR",
      "SIGNATURE_ERROR",
      "DATABASE_ERROR",
      "FILE_ERROR",
      "MAPPING_ERROR",
      "CANCELLED",
      "TIMEOUT",
      "UNEXPECTED_ERROR",
    ];
    expect(Object.keys(ErrorCode).sort()).toEqual([...documented].sort());
    for (const name of documented) expect(ErrorCode[name as keyof typeof ErrorCode]).toBe(name);
  });

  test("the constants cannot be changed at run time", () => {
    expect(Object.isFrozen(ErrorCode)).toBe(true);
  });
});

describe("appError", () => {
  test("builds a plain object with only the parts that were given", () => {
    expect(appError("PARSE_ERROR", "The file is not valid JSON.")).toStrictEqual({
      code: "PARSE_ERROR",
      message: "The file is not valid JSON.",
    });
    expect(Object.keys(appError("X", "m", {}))).toEqual(["code", "message"]);
  });

  test("keeps cause and details", () => {
    const cause = new Error("disk full");
    const error = appError(ErrorCode.FILE_ERROR, "Could not write out.json.", {
      cause,
      details: { path: "out.json" },
    });
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ path: "out.json" });
  });

  test("keeps a cause that is explicitly undefined", () => {
    expect("cause" in appError("X", "m", { cause: undefined })).toBe(true);
  });
});

describe("isAppError", () => {
  test("accepts anything with a string code and message, including errors from other packages", () => {
    expect(isAppError(appError("X", "m"))).toBe(true);
    expect(isAppError({ code: "DOMAIN_SPECIFIC", message: "m", extra: 1 })).toBe(true);
  });

  test("rejects values without both fields", () => {
    expect(isAppError(new Error("plain"))).toBe(false);
    expect(isAppError({ code: 1, message: "m" })).toBe(false);
    expect(isAppError({ code: "X" })).toBe(false);
    expect(isAppError(null)).toBe(false);
    expect(isAppError("X")).toBe(false);
  });
});

describe("toError", () => {
  test("wraps an AppError in an AppErrorException that keeps code, message, cause and the original", () => {
    const cause = new Error("connection refused");
    const original = appError("DATABASE_ERROR", "Could not connect to the database.", { cause });
    const error = toError(original);
    expect(error).toBeInstanceOf(AppErrorException);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("Could not connect to the database.");
    expect(error.name).toBe("AppErrorException");
    expect(error.cause).toBe(cause);
    expect((error as AppErrorException).code).toBe("DATABASE_ERROR");
    expect((error as AppErrorException).appError).toBe(original);
  });

  test("returns an Error unchanged", () => {
    const error = new TypeError("bad");
    expect(toError(error)).toBe(error);
  });

  test("turns other values into an Error whose cause is the value", () => {
    const fromString = toError("went wrong");
    expect(fromString.message).toBe("went wrong");
    expect(fromString.cause).toBe("went wrong");
    const fromNumber = toError(42);
    expect(fromNumber.message).toBe("Non-error value: 42");
    const bare = Object.create(null) as object;
    expect(toError(bare).cause).toBe(bare);
  });
});

describe("throwing a real Error", () => {
  test("getOrThrow after mapErr(toError) throws an AppErrorException carrying the AppError", () => {
    const original = appError(ErrorCode.TIMEOUT, "The download took longer than 30 s.");
    const failure = Result.mapErr(err(original), toError);
    expect(() => Result.getOrThrow(failure)).toThrow(AppErrorException);
    expect(() => Result.getOrThrow(failure)).toThrow("The download took longer than 30 s.");
  });
});
