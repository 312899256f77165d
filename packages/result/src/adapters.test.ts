import { describe, expect, test } from "vitest";
import type { AppError } from "./index.js";
import { ErrorCode, Result, appError } from "./index.js";

const toParseError = (cause: unknown): AppError =>
  appError(ErrorCode.PARSE_ERROR, "The settings file is not valid JSON.", { cause });

describe("tryCatch", () => {
  test("returns the value when the function does not throw", () => {
    expect(Result.tryCatch(() => JSON.parse('{"a":1}') as unknown, toParseError)).toEqual({
      ok: true,
      value: { a: 1 },
    });
  });

  test("turns a throw into the mapped error with the thrown value as cause", () => {
    const result = Result.tryCatch(() => JSON.parse("{") as unknown, toParseError);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("PARSE_ERROR");
    expect(result.error.cause).toBeInstanceOf(SyntaxError);
  });

  test("a throw in the error mapper propagates (programmer error)", () => {
    expect(() =>
      Result.tryCatch(
        () => {
          throw new Error("first");
        },
        () => {
          throw new Error("mapper bug");
        },
      ),
    ).toThrow("mapper bug");
  });
});

describe("fromComputation", () => {
  test("returns the value when the computation succeeds", () => {
    expect(Result.fromComputation(() => 3, ErrorCode.DATABASE_ERROR, "Failed to persist")).toEqual({
      ok: true,
      value: 3,
    });
  });

  test("names the failure with the given code and message followed by the cause's message", () => {
    const cause = new Error("connection refused");
    const result = Result.fromComputation(
      () => {
        throw cause;
      },
      ErrorCode.DATABASE_ERROR,
      "Failed to persist certificates to database",
    );
    expect(result).toEqual({
      ok: false,
      error: {
        code: "DATABASE_ERROR",
        message: "Failed to persist certificates to database: connection refused",
        cause,
      },
    });
  });

  test("uses the message alone when what was thrown has no message", () => {
    const result = Result.fromComputation(
      () => {
        throw 42;
      },
      "CUSTOM_CODE",
      "Failed to compute",
    );
    expect(result).toEqual({
      ok: false,
      error: { code: "CUSTOM_CODE", message: "Failed to compute", cause: 42 },
    });
  });
});

describe("fromAsyncComputation", () => {
  test("resolves to the value of the async computation", async () => {
    expect(await Result.fromAsyncComputation(async () => "done", ErrorCode.FILE_ERROR, "Failed")).toEqual({
      ok: true,
      value: "done",
    });
  });

  test("a rejection becomes the described AppError", async () => {
    const cause = new Error("EACCES");
    const result = await Result.fromAsyncComputation(
      () => Promise.reject(cause),
      ErrorCode.FILE_ERROR,
      "Could not write the batch file",
    );
    expect(result).toEqual({
      ok: false,
      error: { code: "FILE_ERROR", message: "Could not write the batch file: EACCES", cause },
    });
  });

  test("a synchronous throw before any promise exists becomes the described AppError", async () => {
    const result = await Result.fromAsyncComputation(
      () => {
        throw new Error("bad path");
      },
      ErrorCode.FILE_ERROR,
      "Could not open",
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toBe("Could not open: bad path");
  });
});

describe("fromPromise", () => {
  test("resolves to ok with the promise's value", async () => {
    expect(await Result.fromPromise(() => Promise.resolve(5), toParseError)).toEqual({ ok: true, value: 5 });
  });

  test("maps a rejection with the error mapper", async () => {
    const result = await Result.fromPromise(
      () => Promise.reject(new Error("socket hang up")),
      (cause) => appError(ErrorCode.DOWNLOAD_ERROR, "The download failed.", { cause }),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("DOWNLOAD_ERROR");
      expect((result.error.cause as Error).message).toBe("socket hang up");
    }
  });

  test("catches a synchronous throw from the function that starts the promise", async () => {
    const result = await Result.fromPromise(
      () => {
        throw new Error("invalid URL");
      },
      (cause) => (cause as Error).message,
    );
    expect(result).toEqual({ ok: false, error: "invalid URL" });
  });

  test("never rejects, even when the promise rejects and the error mapper throws", async () => {
    const rejection = new Error("original");
    const mapperFailure = new Error("mapper bug");
    const settled = Result.fromPromise(
      () => Promise.reject(rejection),
      () => {
        throw mapperFailure;
      },
    );
    const result = await settled;
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toEqual({
      code: "UNEXPECTED_ERROR",
      message: "The error mapper given to Result.fromPromise threw: mapper bug",
      cause: mapperFailure,
      details: { operation: "Result.fromPromise", rejection },
    });
  });

  test("starts the promise once, immediately", () => {
    let starts = 0;
    void Result.fromPromise(() => {
      starts += 1;
      return Promise.resolve(1);
    }, String);
    expect(starts).toBe(1);
  });
});
