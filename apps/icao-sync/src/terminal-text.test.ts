import { describe, expect, it } from "vitest";
import { escapeControlCharacters, escapeOutputLines, terminalJson } from "./terminal-text.js";

describe("escapeControlCharacters", () => {
  it("makes ESC sequences, NUL, DEL and C1 controls visible", () => {
    expect(escapeControlCharacters("CN=evil\x1b[2J\x1b]0;title\x07,C=UT\x00\x7f\x9b")).toBe(
      "CN=evil\\x1b[2J\\x1b]0;title\\x07,C=UT\\x00\\x7f\\x9b",
    );
  });

  it("escapes line breaks and the bidi controls that reorder what is shown", () => {
    expect(escapeControlCharacters("a\nb\rc\u2028d\u202eevil\u2066")).toBe(
      "a\\x0ab\\x0dc\\u2028d\\u202eevil\\u2066",
    );
  });

  it("leaves printable text alone, accents, other scripts and RFC 4514 escapes included", () => {
    const name = "CN=Česká republika \\2C Ελλάδα 日本,2.5.4.5=01-2020,O=a\\+b,C=CZ";
    expect(escapeControlCharacters(name)).toBe(name);
  });

  it("escapes each line of output but keeps the lines apart", () => {
    expect(escapeOutputLines(["one\x1b[31m", "two\nthree"])).toBe("one\\x1b[31m\ntwo\\x0athree");
  });

  it("terminalJson escapes what JSON.stringify leaves raw, and parses back to the same value", () => {
    const value = { name: "a\u202eb\x9bc\x1bd\u2028" };
    const text = terminalJson(value);
    expect(text).toBe('{"name":"a\\u202eb\\u009bc\\u001bd\\u2028"}');
    expect(JSON.parse(text)).toEqual(value);
  });
});
