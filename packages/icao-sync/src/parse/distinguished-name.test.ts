import { describe, expect, it } from "vitest";
import { escapeDnValue, formatRfc4514 } from "./distinguished-name.js";

describe("escapeDnValue follows Python cryptography's _escape_dn_value", () => {
  it.each([
    ["a plain value is unchanged", "CSCA Germany", "CSCA Germany"],
    ["an empty value stays empty", "", ""],
    ["the RFC 4514 specials get a backslash", 'a"b+c,d;e<f>g\\h', 'a\\"b\\+c\\,d\\;e\\<f\\>g\\\\h'],
    ["NUL becomes \\00", "a\u0000b", "a\\00b"],
    ["a leading # is escaped", "#abc", "\\#abc"],
    ["a # elsewhere is not", "a#b", "a#b"],
    ["a leading space is escaped", " abc", "\\ abc"],
    ["a trailing space is escaped", "abc ", "abc\\ "],
    ["inner spaces are not", "a b", "a b"],
    ["'=' is not escaped", "a=b", "a=b"],
    ["a lone space becomes backslash, backslash, space (Python's order of edge checks)", " ", "\\\\ "],
    ["non-ASCII text is kept as is", "Αθήνα", "Αθήνα"],
  ])("%s", (_name, value, expected) => {
    expect(escapeDnValue(value)).toBe(expected);
  });

  it("raw bytes (a BIT STRING value) are written as # and hex", () => {
    expect(escapeDnValue(Uint8Array.from([0x00, 0xab, 0x01]))).toBe("#00ab01");
  });
});

describe("formatRfc4514", () => {
  it("reverses the RDNs, uses the short names Python knows and dotted OIDs for the rest, joins multi-valued RDNs with +", () => {
    const name = [
      [{ type: "2.5.4.6", value: "EE" }],
      [{ type: "2.5.4.10", value: "Estonia" }],
      [{ type: "2.5.4.11", value: "Police and Border Guard Board" }],
      [{ type: "2.5.4.5", value: "01-2020" }],
      [
        { type: "2.5.4.3", value: "CSCA_Estonia" },
        { type: "1.2.840.113549.1.9.1", value: "csca@example.ee" },
      ],
    ];
    expect(formatRfc4514(name)).toBe(
      "CN=CSCA_Estonia+1.2.840.113549.1.9.1=csca@example.ee,2.5.4.5=01-2020,OU=Police and Border Guard Board,O=Estonia,C=EE",
    );
  });

  it("knows exactly CN L ST O OU C STREET DC UID as short names", () => {
    const types = [
      ["2.5.4.3", "CN"],
      ["2.5.4.7", "L"],
      ["2.5.4.8", "ST"],
      ["2.5.4.10", "O"],
      ["2.5.4.11", "OU"],
      ["2.5.4.6", "C"],
      ["2.5.4.9", "STREET"],
      ["0.9.2342.19200300.100.1.25", "DC"],
      ["0.9.2342.19200300.100.1.1", "UID"],
      ["2.5.4.4", "2.5.4.4"],
      ["2.5.4.42", "2.5.4.42"],
      ["2.5.4.97", "2.5.4.97"],
    ] as const;
    for (const [oid, label] of types) {
      expect(formatRfc4514([[{ type: oid, value: "x" }]])).toBe(`${label}=x`);
    }
  });

  it("an empty name renders as an empty string", () => {
    expect(formatRfc4514([])).toBe("");
  });
});
