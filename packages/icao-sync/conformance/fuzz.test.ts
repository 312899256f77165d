import { describe, expect, it } from "vitest";
import type { Result } from "@certs/result";
import { parseCrl, parseLdif, parseMasterList } from "../src/index.js";
import { SeededRandom } from "../src/testing/index.js";
import { anchors, fixture, masterLists } from "./fixtures.js";

type Mutation = "truncate" | "flip" | "length";

// Identifier octets after which a length field follows in these files.
const tagOctets = new Set([0x30, 0x31, 0x02, 0x03, 0x04, 0x06, 0x0c, 0x13, 0x17, 0xa0, 0xa1, 0xa3]);

function mutate(original: Uint8Array, kind: Mutation, random: SeededRandom): Uint8Array {
  if (kind === "truncate") return original.slice(0, random.int(0, original.length - 1));
  const bytes = Uint8Array.from(original);
  if (kind === "flip") {
    for (let n = random.int(1, 4); n > 0; n--) {
      const at = random.int(0, bytes.length - 1);
      bytes[at] = (bytes[at] as number) ^ (1 << random.int(0, 7));
    }
    return bytes;
  }
  // Corrupt the length octet after a tag: a short length, a long-form marker, indefinite, or huge.
  let at = random.int(0, bytes.length - 2);
  while (!tagOctets.has(bytes[at] as number) && at < bytes.length - 2) at++;
  bytes[at + 1] = random.pick([random.int(0, 0x7f), 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0xff]);
  return bytes;
}

interface Tally {
  readonly outcomes: Map<string, number>;
  slowest: number;
  inputs: number;
}

/** Runs one input, failing the test on a throw, an unexpected error code or a slow answer. */
function check<T>(tally: Tally, allowed: readonly string[], run: () => Result<T>): Result<T> {
  const started = performance.now();
  let result: Result<T>;
  try {
    result = run();
  } catch (error) {
    throw new Error(`a mutated input made the parser throw: ${String(error)}`);
  }
  const elapsed = performance.now() - started;
  tally.slowest = Math.max(tally.slowest, elapsed);
  tally.inputs += 1;
  const outcome = result.ok ? "ok" : result.error.code;
  tally.outcomes.set(outcome, (tally.outcomes.get(outcome) ?? 0) + 1);
  if (!result.ok) expect(allowed).toContain(result.error.code);
  return result;
}

const hexes = (ders: readonly { der: Uint8Array }[]): string[] =>
  ders.map((c) => Buffer.from(c.der).toString("hex"));

describe("mutated real files give a result within bounded time, never a throw", () => {
  const tally: Tally = { outcomes: new Map(), slowest: 0, inputs: 0 };

  it.each([
    [masterLists.germany.file, masterLists.germany.anchor],
    [masterLists.icao.file, masterLists.icao.anchor],
    [masterLists.netherlands.file, masterLists.netherlands.anchor],
    ["NL_MASTERLIST_20211207.mls", null],
  ])(
    "%s: 400 truncations, bit flips and length corruptions are PARSE_ERROR, SIGNATURE_ERROR, or verify unchanged",
    (file, anchorFile) => {
      const original = fixture(file);
      const trustAnchors = anchorFile === null ? [] : anchors(anchorFile);
      const reference = parseMasterList(original, { trustAnchors });
      if (!reference.ok) throw new Error(reference.error.message);
      const expected = hexes(reference.value.cscas);
      const random = new SeededRandom(`fuzz ${file}`);
      for (let i = 0; i < 400; i++) {
        const kind: Mutation = i < 100 ? "truncate" : i < 300 ? "flip" : "length";
        const result = check(tally, ["PARSE_ERROR", "SIGNATURE_ERROR"], () =>
          parseMasterList(mutate(original, kind, random), { trustAnchors }),
        );
        // Whatever still verifies can only differ in unsigned parts: the CSCAs must be the signed ones.
        if (result.ok) expect(hexes(result.value.cscas)).toEqual(expected);
      }
    },
    120_000,
  );

  it("COL.crl: 300 mutations parse or are PARSE_ERROR", () => {
    const original = fixture("COL.crl");
    const random = new SeededRandom("fuzz COL.crl");
    for (let i = 0; i < 300; i++) {
      check(tally, ["PARSE_ERROR"], () =>
        parseCrl(mutate(original, random.pick(["truncate", "flip", "length"]), random)),
      );
    }
  });

  it("the PKD LDIF: 100 mutations parse or are PARSE_ERROR", () => {
    const original = fixture("icaopkd-003-complete-000090.ldif");
    const random = new SeededRandom("fuzz LDIF");
    for (let i = 0; i < 100; i++) {
      check(tally, ["PARSE_ERROR"], () => parseLdif(mutate(original, i < 30 ? "truncate" : "flip", random)));
    }
  }, 120_000);

  it("200 random byte strings are PARSE_ERRORs", () => {
    const random = new SeededRandom("fuzz random");
    for (let i = 0; i < 200; i++) {
      const bytes = random.bytes(random.int(0, 5000));
      if (i % 2 === 0 && bytes.length > 0) bytes[0] = 0x30; // look like DER to get past the first check
      check(tally, ["PARSE_ERROR"], () => parseMasterList(bytes));
    }
  });

  it("covered at least 2,000 inputs, each answered within 3 seconds", () => {
    expect(tally.inputs).toBeGreaterThanOrEqual(2000);
    expect(tally.slowest).toBeLessThan(3000);
    expect(tally.outcomes.get("SIGNATURE_ERROR") ?? 0).toBeGreaterThan(100);
    expect(tally.outcomes.get("PARSE_ERROR") ?? 0).toBeGreaterThan(100);
  });
});
