import { beforeAll, describe, expect, it } from "vitest";
import { integer, sequence } from "../testing/der-writer.js";
import {
  type DeviationSpec,
  type GeneratedCertificate,
  generateSigningKey,
  issueCertificate,
  issueDeviationListSigner,
  signDeviationList,
  simpleName,
} from "../testing/index.js";
import { type DeviationListOptions, parseDeviationList } from "./deviation-list.js";
import { defaultParseLimits, type ParseLimits } from "./parse-limits.js";

// Hostile deviation lists against the bounds ParseLimits declares (input size, ASN.1 depth, ASN.1 elements):
// at a bound a list is read, one step past it it is refused with one PARSE_ERROR line naming the bound.
const DS_SIGNATURE = "2.23.136.1.1.7.1.1";

let signer: GeneratedCertificate;

beforeAll(() => {
  const csca = issueCertificate({
    subject: simpleName(["C", "QQ"], ["CN", "CSCA QQ"]),
    serialNumber: 7n,
    notBefore: new Date("2024-01-01T00:00:00Z"),
    notAfter: new Date("2036-01-01T00:00:00Z"),
    key: generateSigningKey("ecdsa-p256"),
    subjectKeyIdentifier: Uint8Array.of(7, 7, 7),
  });
  signer = issueDeviationListSigner(csca, generateSigningKey("ecdsa-p256"));
});

/** `count` deviations, each of one document number and one described defect with small parameters. */
function manyDeviations(count: number): DeviationSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    documentType: "P",
    documentNumbers: [`C${String(i).padStart(8, "0")}`],
    descriptions: [{ type: DS_SIGNATURE, description: `defect ${i}`, parameters: integer(BigInt(i)) }],
  }));
}

/** Parameters of `levels` SEQUENCEs around a NULL: nesting an attacker can put in an ANY. */
function nestedParameters(levels: number): Uint8Array {
  let value: Uint8Array = Uint8Array.of(0x05, 0x00);
  for (let i = 0; i < levels; i++) value = sequence(value);
  return value;
}

/** Counts the TLVs of `der` and the depth of the deepest, walking it independently of the parser. */
function shape(der: Uint8Array): { elements: number; depth: number } {
  let elements = 0;
  let deepest = 0;
  const walk = (start: number, end: number, depth: number): void => {
    let offset = start;
    while (offset < end) {
      const tag = der[offset] as number;
      let cursor = offset + 1;
      const first = der[cursor++] as number;
      let length = first;
      if (first > 0x80) {
        length = 0;
        for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + (der[cursor++] as number);
      }
      elements += 1;
      deepest = Math.max(deepest, depth);
      if ((tag & 0x20) !== 0) walk(cursor, cursor + length, depth + 1);
      offset = cursor + length;
    }
  };
  walk(0, der.length, 0);
  return { elements, depth: deepest };
}

/** The DeviationList (the signed eContent) of a list, as the parser reads it. */
function contentOf(list: Uint8Array): Uint8Array {
  const parsed = parseDeviationList(list, { verify: false });
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value.content.eContent;
}

function refusal(list: Uint8Array, limits: Partial<ParseLimits>): string {
  const result = parseDeviationList(list, { limits });
  if (result.ok)
    throw new Error(`a list of ${list.length} bytes was accepted with ${JSON.stringify(limits)}`);
  expect(result.error.code).toBe("PARSE_ERROR");
  expect(result.error.message).not.toContain("\n");
  return result.error.message;
}

function accepted(list: Uint8Array, options: DeviationListOptions = {}): number {
  const result = parseDeviationList(list, options);
  if (!result.ok) throw new Error(result.error.message);
  expect(result.value.signers).toHaveLength(1);
  return result.value.deviations.length;
}

describe("deviation lists at and just past the parse bounds", () => {
  it("a list of exactly maxInputBytes is read; one byte fewer allowed, and it is refused naming both", () => {
    const list = signDeviationList({ signer, deviations: manyDeviations(50) });
    expect(accepted(list, { limits: { maxInputBytes: list.length } })).toBe(50);
    expect(refusal(list, { maxInputBytes: list.length - 1 })).toBe(
      `The deviation list cannot be parsed: the deviation list is ${list.length} bytes, over the limit of ${list.length - 1}.`,
    );
  });

  it(`parameters nested to exactly the default maxDepth (${defaultParseLimits.maxDepth}) are read; one level deeper is refused naming the bound`, () => {
    const listNested = (levels: number) =>
      signDeviationList({
        signer,
        deviations: [
          { documentType: "P", descriptions: [{ type: DS_SIGNATURE, parameters: nestedParameters(levels) }] },
        ],
      });
    // The levels that put the deepest element of the DeviationList exactly at the bound.
    const base = shape(contentOf(listNested(0))).depth;
    const levels = defaultParseLimits.maxDepth - base;
    const atBound = listNested(levels);
    expect(shape(contentOf(atBound)).depth).toBe(defaultParseLimits.maxDepth);
    const read = parseDeviationList(atBound);
    if (!read.ok) throw new Error(read.error.message);
    expect(read.value.deviations[0]?.descriptions[0]?.parameters).toEqual(nestedParameters(levels));

    expect(refusal(listNested(levels + 1), {})).toMatch(
      new RegExp(
        `^The deviation list cannot be parsed: ASN\\.1 nesting deeper than ${defaultParseLimits.maxDepth} levels at byte \\d+\\.$`,
      ),
    );
  });

  it("the element bound counts a list's elements: read at the least maxNodes that holds them, refused one below, for any number of deviations", () => {
    for (const count of [100, 1_000]) {
      const list = signDeviationList({ signer, deviations: manyDeviations(count) });
      const { elements } = shape(contentOf(list));
      // The smallest maxNodes that reads the list, found by bisection over [1, 4 x its elements].
      let low = 1;
      let high = 4 * elements;
      expect(accepted(list, { limits: { maxNodes: high } })).toBe(count);
      while (low < high) {
        const middle = Math.floor((low + high) / 2);
        const result = parseDeviationList(list, { verify: false, limits: { maxNodes: middle } });
        if (result.ok) high = middle;
        else low = middle + 1;
      }
      // Every element is read, and none more than twice: the work is linear in the list.
      expect(low, `${count} deviations`).toBeGreaterThanOrEqual(elements);
      expect(low, `${count} deviations`).toBeLessThanOrEqual(2 * elements);
      expect(accepted(list, { limits: { maxNodes: low } })).toBe(count);
      expect(refusal(list, { maxNodes: low - 1 })).toBe(
        `The deviation list cannot be parsed: more than ${low - 1} ASN.1 elements.`,
      );
    }
  });

  it("a large list within the default bounds is read in full, every deviation kept", () => {
    const list = signDeviationList({ signer, deviations: manyDeviations(5_000) });
    expect(list.length).toBeGreaterThan(250_000);
    expect(accepted(list)).toBe(5_000);
  });

  it("a deviation list cut short anywhere is one PARSE_ERROR line, never a throw", () => {
    const list = signDeviationList({ signer, deviations: manyDeviations(3) });
    for (let length = 1; length < list.length; length++) {
      const message = refusal(list.subarray(0, length), {});
      expect(message, `cut at ${length}`).toMatch(/^The deviation list cannot be parsed: .+\.$/);
    }
  });
});
