import { describe, expect, it } from "vitest";
import { retryAfterMs } from "./retry-after.js";

const now = Date.parse("2025-07-01T10:00:00Z");

describe("retryAfterMs", () => {
  it("reads delta-seconds", () => {
    expect(retryAfterMs("1", now)).toBe(1000);
    expect(retryAfterMs(" 120 ", now)).toBe(120_000);
    expect(retryAfterMs("0", now)).toBe(0);
  });

  it("reads an HTTP-date relative to now, and a past date as no wait", () => {
    expect(retryAfterMs("Tue, 01 Jul 2025 10:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Tue, 01 Jul 2025 09:00:00 GMT", now)).toBe(0);
  });

  it("ignores what it cannot read", () => {
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs("", now)).toBeUndefined();
    expect(retryAfterMs("-5", now)).toBeUndefined();
    expect(retryAfterMs("1.5", now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
  });
});
