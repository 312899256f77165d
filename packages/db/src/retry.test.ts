import { appError, err, ok, type AppError, type Result } from "@certs/result";
import { describe, expect, it } from "vitest";
import { databaseError } from "./db-error.js";
import {
  abortableSleep,
  backoffDelayMs,
  retry,
  validateRetryPolicy,
  type RetryPolicy,
  type Sleep,
} from "./retry.js";

const policy: RetryPolicy = {
  maxAttempts: 4,
  initialDelayMs: 100,
  maxDelayMs: 1_000,
  factor: 3,
  jitter: false,
};

// Shaped as mysql2 reports a deadlock and a duplicate key.
const deadlock = databaseError(
  Object.assign(new Error("Deadlock found"), { errno: 1213, code: "ER_LOCK_DEADLOCK" }),
);
const duplicate = databaseError(
  Object.assign(new Error("Duplicate entry"), { errno: 1062, code: "ER_DUP_ENTRY" }),
);

/** A clock that records requested waits instead of waiting. */
function recordingSleep(): { sleep: Sleep; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

/** An operation that fails with the given errors in turn, then succeeds with the attempt number. */
function failingThen(errors: AppError[]): { fn: (attempt: number) => Result<number>; attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    fn: (attempt) => {
      attempts.push(attempt);
      const error = errors[attempt - 1];
      return error === undefined ? ok(attempt) : err(error);
    },
  };
}

describe("retry", () => {
  it("returns the first success without waiting", async () => {
    const { sleep, waits } = recordingSleep();
    const result = await retry(policy, () => ok("done"), { sleep });
    expect(result).toEqual(ok("done"));
    expect(waits).toEqual([]);
  });

  it("retries retryable errors with exponentially growing waits capped at maxDelayMs", async () => {
    const { sleep, waits } = recordingSleep();
    const { fn, attempts } = failingThen([deadlock, deadlock, deadlock]);
    const result = await retry(policy, fn, { sleep });
    expect(result).toEqual(ok(4));
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(waits).toEqual([100, 300, 900]);
  });

  it("gives up after maxAttempts and returns the last error", async () => {
    const { sleep, waits } = recordingSleep();
    const { fn, attempts } = failingThen([deadlock, deadlock, deadlock, deadlock, deadlock]);
    const result = await retry({ ...policy, maxAttempts: 3 }, fn, { sleep });
    expect(result).toEqual(err(deadlock));
    expect(attempts).toEqual([1, 2, 3]);
    expect(waits).toHaveLength(2);
  });

  it("does not retry an error that is not retryable", async () => {
    const { sleep, waits } = recordingSleep();
    const { fn, attempts } = failingThen([duplicate]);
    const result = await retry(policy, fn, { sleep });
    expect(result).toEqual(err(duplicate));
    expect(attempts).toEqual([1]);
    expect(waits).toEqual([]);
  });

  it("does not retry an application error by default", async () => {
    const { fn, attempts } = failingThen([appError("PARSE_ERROR", "bad input")]);
    await retry(policy, fn, recordingSleep());
    expect(attempts).toEqual([1]);
  });

  it("asks isRetryable when given", async () => {
    const flaky = appError("DOWNLOAD_ERROR", "503 from server");
    const { fn, attempts } = failingThen([flaky, flaky]);
    const result = await retry(policy, fn, {
      ...recordingSleep(),
      isRetryable: (error) => error.code === "DOWNLOAD_ERROR",
    });
    expect(result).toEqual(ok(3));
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("draws each wait uniformly below the backoff ceiling with full jitter", async () => {
    const { sleep, waits } = recordingSleep();
    const { fn } = failingThen([deadlock, deadlock, deadlock]);
    const draws = [0.5, 0.25, 0.999];
    await retry({ ...policy, jitter: true }, fn, { sleep, random: () => draws.shift() ?? 0 });
    expect(waits).toEqual([50, 75, 899]);
  });

  it("converts a thrown driver error to a classified DATABASE_ERROR and retries it", async () => {
    let calls = 0;
    const result = await retry(
      policy,
      () => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error("Connection terminated unexpectedly"), {});
        return ok("second");
      },
      recordingSleep(),
    );
    expect(result).toEqual(ok("second"));
    expect(calls).toBe(2);
  });

  it("turns a thrown programming error into an UNEXPECTED_ERROR without retrying", async () => {
    let calls = 0;
    const result = await retry(
      policy,
      () => {
        calls += 1;
        throw new TypeError("x is undefined");
      },
      recordingSleep(),
    );
    expect(calls).toBe(1);
    expect(!result.ok && result.error.code).toBe("UNEXPECTED_ERROR");
  });

  it("returns CANCELLED without running when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("user pressed Ctrl+C"));
    const { fn, attempts } = failingThen([]);
    const result = await retry(policy, fn, { signal: controller.signal });
    expect(attempts).toEqual([]);
    expect(!result.ok && result.error.code).toBe("CANCELLED");
  });

  it("stops waiting at once and returns CANCELLED when aborted during a backoff", async () => {
    const controller = new AbortController();
    const { fn, attempts } = failingThen([deadlock, deadlock]);
    // A ten-minute backoff: were the real sleep not interrupted, the test would time out.
    const pending = retry({ ...policy, initialDelayMs: 600_000, maxDelayMs: 600_000 }, fn, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    const result = await pending;
    expect(!result.ok && result.error.code).toBe("CANCELLED");
    expect(!result.ok && result.error.message).toContain("before attempt 2");
    expect(attempts).toEqual([1]);
  });

  it("rejects an unusable policy before any attempt", async () => {
    const { fn, attempts } = failingThen([]);
    for (const bad of [
      { ...policy, maxAttempts: 0 },
      { ...policy, initialDelayMs: -1 },
      { ...policy, maxDelayMs: 10 },
      { ...policy, factor: 0.5 },
    ]) {
      const result = await retry(bad, fn);
      expect(!result.ok && result.error.code).toBe("CONFIGURATION_ERROR");
    }
    expect(attempts).toEqual([]);
  });
});

describe("validateRetryPolicy", () => {
  it("accepts a usable policy as it is and names what is wrong with an unusable one", () => {
    expect(validateRetryPolicy(policy)).toEqual(ok(policy));
    const result = validateRetryPolicy({ ...policy, maxDelayMs: 10 });
    expect(!result.ok && result.error.code).toBe("CONFIGURATION_ERROR");
    expect(!result.ok && result.error.message).toBe(
      "retry policy maxDelayMs must be at least initialDelayMs (100), got 10",
    );
  });
});

describe("backoffDelayMs", () => {
  it("grows by the factor and stops at maxDelayMs", () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(policy, attempt, () => 0.5));
    expect(delays).toEqual([100, 300, 900, 1000, 1000]);
  });
});

describe("abortableSleep", () => {
  it("resolves at once for an already aborted signal", async () => {
    const controller = new AbortController();
    controller.abort();
    // Ten minutes, far beyond the test timeout, unless the abort is honoured.
    await abortableSleep(600_000, controller.signal);
  });
});
