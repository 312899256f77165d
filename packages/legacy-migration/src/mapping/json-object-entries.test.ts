import { describe, expect, it } from "vitest";
import { formatJsonObject, jsonObjectEntries } from "./json-object-entries.js";

function entries(text: string) {
  const parsed = jsonObjectEntries(text);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return parsed.entries.map((e) => [e.key, e.value]);
}

describe("jsonObjectEntries", () => {
  it("keeps file order where JSON.parse would sort integer keys", () => {
    expect(entries('{"100": 1, "20": 2, "3": 3}')).toEqual([
      ["100", 1],
      ["20", 2],
      ["3", 3],
    ]);
  });

  it("copes with strings holding braces, quotes, commas and escapes, and with nesting", () => {
    expect(
      entries(
        '{ "a\\"}": {"x": "}{,\\\\", "y": [1, {"z": "]"}]}, "b" : null ,"c":-1.5e3,"d":true, "e": "\\u00e9" }',
      ),
    ).toEqual([
      ['a"}', { x: "}{,\\", y: [1, { z: "]" }] }],
      ["b", null],
      ["c", -1500],
      ["d", true],
      ["e", "é"],
    ]);
  });

  it("an empty object has no entries; other top levels are problems", () => {
    expect(entries(" {\n} ")).toEqual([]);
    expect(jsonObjectEntries("[]").ok).toBe(false);
    expect(jsonObjectEntries('"text"').ok).toBe(false);
    expect(jsonObjectEntries("{,}").ok).toBe(false);
  });

  it("anything that is not exactly one JSON object is a problem saying why", () => {
    const problem = (text: string) => {
      const parsed = jsonObjectEntries(text);
      return parsed.ok ? "accepted" : parsed.problem.message;
    };
    expect(problem("")).toContain("not valid JSON");
    expect(problem('{"a": 1} {"b": 2}')).toContain("unexpected text after the object");
    expect(problem('{"a": 1,}')).toContain("not valid JSON");
    expect(problem('{"a" 1}')).toContain("expected ':'");
    expect(problem('{"a": 1 "b": 2}')).toContain("expected ',' or '}'");
    expect(problem('{"a": [1, 2}')).toContain("not valid JSON");
    expect(problem('{"a": tru}')).toContain("not valid JSON");
    expect(problem("[1]")).toBe("its top level is not a JSON object");
    expect(problem('{"a": 1, "b": {"a": 2}, "a": 3}')).toBe('the key "a" is listed twice');
  });

  it("formatJsonObject writes four-space indented JSON that reads back in the same order", () => {
    const text = formatJsonObject([
      { key: "20", value: { a: [1, 2] } },
      { key: "3", value: 3 },
    ]);
    expect(text).toBe(
      '{\n    "20": {\n        "a": [\n            1,\n            2\n        ]\n    },\n    "3": 3\n}\n',
    );
    expect(entries(text)).toEqual([
      ["20", { a: [1, 2] }],
      ["3", 3],
    ]);
  });
});
