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
