import { describe, expect, it } from "vitest";
import { parseSpeedLimit } from "./speed-limit.js";

describe("parseSpeedLimit", () => {
  it.each([
    ["80 km/h", 80],
    ["80KM", 80],
    ["120", 120],
    ["80.5", 80],
    ["  100 KMH", 100],
    ["Speed 60/80", 60],
    ["007", 7],
  ])("reads '%s' as %i without a warning", (text, expected) => {
    expect(parseSpeedLimit(text)).toEqual({ value: expected });
  });

  it.each([["KM"], [""], ["   "], ["km/h"]])(
    "'%s' has no digits: 0 and a warning naming the text",
    (text) => {
      const parsed = parseSpeedLimit(text);
      expect(parsed.value).toBe(0);
      expect(parsed.warning).toContain(`'${text}'`);
    },
  );

  it("a null speed is 0 with a warning", () => {
    expect(parseSpeedLimit(null).value).toBe(0);
    expect(parseSpeedLimit(null).warning).toBeDefined();
  });

  it("a number too large for an INT column is 0 with a warning", () => {
    const parsed = parseSpeedLimit("99999999999");
    expect(parsed.value).toBe(0);
    expect(parsed.warning).toMatch(/too large/);
  });
});
