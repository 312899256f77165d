import { describe, expect, it } from "vitest";
import { IdMap } from "./id-map.js";

describe("IdMap", () => {
  it("answers like a Map of strings for canonical and other ids", () => {
    const map = new IdMap().set("7", "1024").set("007", "9").set("12", "x-1").set("0", "0");
    expect(map.size).toBe(4);
    expect(map.get("7")).toBe("1024");
    expect(map.get("007")).toBe("9");
    expect(map.get("12")).toBe("x-1");
    expect(map.get("0")).toBe("0");
    expect(map.get("8")).toBeUndefined();
    expect(map.has("7") && map.has("007") && !map.has("07")).toBe(true);
    expect([...map]).toEqual([
      ["7", "1024"],
      ["12", "x-1"],
      ["0", "0"],
      ["007", "9"],
    ]);
    expect([...map.keys()]).toEqual(["7", "12", "0", "007"]);
    expect([...map.values()]).toEqual(["1024", "x-1", "0", "9"]);
  });

  it("a later set replaces the value in place", () => {
    const map = new IdMap().set("1", "2").set("3", "4").set("1", "5");
    expect([...map.entries()]).toEqual([
      ["1", "5"],
      ["3", "4"],
    ]);
  });

  it("ids too long for a safe integer stay text", () => {
    const big = "12345678901234567890";
    const map = new IdMap().set(big, big);
    expect(map.get(big)).toBe(big);
  });
});
