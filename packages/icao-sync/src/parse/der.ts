import { DerLimitError, MalformedInputError } from "./malformed-input.js";
import type { ParseLimits } from "./parse-limits.js";

/** Identifier octets this package looks for (universal and context-specific, low tag numbers). */
export const Tag = Object.freeze({
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OCTET_STRING_CONSTRUCTED: 0x24,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
  CONTEXT_2: 0xa2,
  CONTEXT_3: 0xa3,
  CONTEXT_PRIMITIVE_0: 0x80,
  CONTEXT_PRIMITIVE_1: 0x81,
  CONTEXT_PRIMITIVE_2: 0x82,
});

/** One TLV element: where it sits in the buffer, never a copy of it. */
export interface DerNode {
  /** The first identifier octet (class, constructed bit and low tag number). */
  readonly tag: number;
  readonly constructed: boolean;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly valueStart: number;
  /** Offset just past the last content octet. */
  readonly end: number;
  /** Nesting depth below the element the walk started from. */
  readonly depth: number;
}

const utf8Strict = new TextDecoder("utf-8", { fatal: true });
const utf16be = new TextDecoder("utf-16be", { fatal: true });
const latin1 = new TextDecoder("latin1");

/**
 * A bounded reader over DER bytes. It walks lazily (only the elements asked for are decoded) and counts every
 * element it reads against `maxNodes`, and every level against `maxDepth`, so no input can make it allocate
 * without limit. BER indefinite lengths are refused: the inputs it reads are specified as DER.
 */
export class DerReader {
  private nodesRead = 0;

  constructor(
    readonly bytes: Uint8Array,
    private readonly limits: Pick<ParseLimits, "maxDepth" | "maxNodes">,
  ) {}

  /** Reads the element starting at `offset`, which must end at or before `limit`. */
  readAt(offset: number, limit: number, depth: number): DerNode {
    if (depth > this.limits.maxDepth) {
      throw new DerLimitError(`ASN.1 nesting deeper than ${this.limits.maxDepth} levels at byte ${offset}`);
    }
    this.nodesRead += 1;
    if (this.nodesRead > this.limits.maxNodes) {
      throw new DerLimitError(`more than ${this.limits.maxNodes} ASN.1 elements`);
    }
    const bytes = this.bytes;
    if (offset >= limit)
      throw new MalformedInputError(`element expected at byte ${offset}, but the data ends`);
    const tag = bytes[offset] as number;
    let cursor = offset + 1;
    if ((tag & 0x1f) === 0x1f) {
      // High tag number form: skip the base-128 tag number, refusing absurd lengths.
      let tagBytes = 0;
      for (;;) {
        if (cursor >= limit) throw new MalformedInputError(`tag at byte ${offset} runs past the end`);
        const b = bytes[cursor++] as number;
        tagBytes += 1;
        if (tagBytes > 4) throw new MalformedInputError(`tag at byte ${offset} is too long`);
        if ((b & 0x80) === 0) break;
      }
    }
    if (cursor >= limit) throw new MalformedInputError(`length at byte ${cursor} runs past the end`);
    const first = bytes[cursor++] as number;
    let length: number;
    if (first < 0x80) {
      length = first;
    } else if (first === 0x80) {
      throw new MalformedInputError(`indefinite length (BER) at byte ${offset}; only DER is accepted`);
    } else {
      const count = first & 0x7f;
      if (count > 4)
        throw new MalformedInputError(`length of ${count} octets at byte ${offset} is too large`);
      if (cursor + count > limit) throw new MalformedInputError(`length at byte ${offset} runs past the end`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (bytes[cursor++] as number);
    }
    const end = cursor + length;
    if (end > limit) {
      throw new MalformedInputError(
        `element at byte ${offset} claims ${length} bytes but only ${limit - cursor} remain in its container`,
      );
    }
    return { tag, constructed: (tag & 0x20) !== 0, start: offset, valueStart: cursor, end, depth };
  }

  /** Reads the one element that fills `[start, end)` exactly. */
  readWhole(start: number, end: number, depth: number, what: string): DerNode {
    const node = this.readAt(start, end, depth);
    if (node.end !== end) {
      throw new MalformedInputError(`${what} has ${end - node.end} unexpected bytes after it`);
    }
    return node;
  }

  /** The elements inside a constructed element, in order. */
  children(node: DerNode): DerNode[] {
    if (!node.constructed) throw new MalformedInputError(`element at byte ${node.start} is not constructed`);
    const result: DerNode[] = [];
    let offset = node.valueStart;
    while (offset < node.end) {
      const child = this.readAt(offset, node.end, node.depth + 1);
      result.push(child);
      offset = child.end;
    }
    return result;
  }

  /** Reads the elements inside a node whose content octets are themselves DER (e.g. an OCTET STRING wrapper). */
  childrenOfValue(node: DerNode): DerNode[] {
    const result: DerNode[] = [];
    let offset = node.valueStart;
    while (offset < node.end) {
      const child = this.readAt(offset, node.end, node.depth + 1);
      result.push(child);
      offset = child.end;
    }
    return result;
  }

  /** The content octets, as a view into the input. */
  value(node: DerNode): Uint8Array {
    return this.bytes.subarray(node.valueStart, node.end);
  }

  /** The whole TLV, as a view into the input. */
  encoded(node: DerNode): Uint8Array {
    return this.bytes.subarray(node.start, node.end);
  }

  /** Checks the tag and returns the node, so a walk reads like the ASN.1 it follows. */
  expect(node: DerNode | undefined, tag: number, what: string): DerNode {
    if (node === undefined) throw new MalformedInputError(`${what} is missing`);
    if (node.tag !== tag) {
      throw new MalformedInputError(
        `${what} at byte ${node.start} has tag 0x${hex2(node.tag)}, expected 0x${hex2(tag)}`,
      );
    }
    return node;
  }

  /** An OBJECT IDENTIFIER in dotted form. */
  oid(node: DerNode, what: string): string {
    this.expect(node, Tag.OID, what);
    return decodeOid(this.bytes, node.valueStart, node.end, what);
  }

  /** A small non-negative INTEGER or ENUMERATED (versions, reason codes). */
  smallInteger(node: DerNode, what: string): number {
    if (node.tag !== Tag.INTEGER && node.tag !== Tag.ENUMERATED) {
      throw new MalformedInputError(`${what} at byte ${node.start} is not an integer`);
    }
    const length = node.end - node.valueStart;
    if (length === 0 || length > 6)
      throw new MalformedInputError(`${what} at byte ${node.start} is out of range`);
    let value = 0;
    for (let i = node.valueStart; i < node.end; i++) value = value * 256 + (this.bytes[i] as number);
    if (((this.bytes[node.valueStart] as number) & 0x80) !== 0) {
      throw new MalformedInputError(`${what} at byte ${node.start} is negative`);
    }
    return value;
  }

  /** The content octets of an INTEGER (two's complement, big-endian), checked to be non-empty. */
  integerBytes(node: DerNode, what: string): Uint8Array {
    this.expect(node, Tag.INTEGER, what);
    if (node.end === node.valueStart) throw new MalformedInputError(`${what} at byte ${node.start} is empty`);
    return this.value(node);
  }

  /** A BOOLEAN. */
  boolean(node: DerNode, what: string): boolean {
    this.expect(node, Tag.BOOLEAN, what);
    if (node.end - node.valueStart !== 1)
      throw new MalformedInputError(`${what} at byte ${node.start} is malformed`);
    return this.bytes[node.valueStart] !== 0;
  }

  /** A UTCTime or GeneralizedTime, as a Date in UTC. */
  time(node: DerNode, what: string): Date {
    // UTCTime (every certificate valid before 2050) straight from its bytes; no string, no regex.
    const date =
      node.tag === Tag.UTC_TIME
        ? utcTimeFromBytes(this.bytes, node.valueStart, node.end)
        : node.tag === Tag.GENERALIZED_TIME
          ? parseGeneralizedTime(latin1.decode(this.value(node)))
          : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) {
      throw new MalformedInputError(`${what} at byte ${node.start} is not a valid time`);
    }
    return date;
  }

  /**
   * A directory string value decoded the way Python's cryptography does: BMPString as UTF-16BE,
   * UniversalString as UTF-32BE, every other string type as UTF-8. Where Python would give up on bytes that
   * are not UTF-8 (T61String values written in Latin-1), this falls back to Latin-1 instead of failing.
   */
  text(node: DerNode): string {
    const value = this.value(node);
    if (node.tag === Tag.BMP_STRING) {
      try {
        return utf16be.decode(value);
      } catch {
        throw new MalformedInputError(`BMPString at byte ${node.start} is not valid UTF-16`);
      }
    }
    if (node.tag === Tag.UNIVERSAL_STRING) return decodeUtf32be(value, node.start);
    let ascii = true;
    for (let i = 0; i < value.length; i++) {
      if ((value[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return latin1.decode(value);
    try {
      return utf8Strict.decode(value);
    } catch {
      return latin1.decode(value);
    }
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

function decodeUtf32be(value: Uint8Array, at: number): string {
  if (value.length % 4 !== 0)
    throw new MalformedInputError(`UniversalString at byte ${at} is not valid UTF-32`);
  let out = "";
  for (let i = 0; i < value.length; i += 4) {
    const code =
      (value[i] as number) * 0x1000000 +
      ((value[i + 1] as number) << 16) +
      ((value[i + 2] as number) << 8) +
      (value[i + 3] as number);
    if (code > 0x10ffff) throw new MalformedInputError(`UniversalString at byte ${at} is not valid UTF-32`);
    out += String.fromCodePoint(code);
  }
  return out;
}

/** Decodes OID content octets to dotted form; arcs beyond 2^53 are handled with BigInt. */
export function decodeOid(bytes: Uint8Array, start: number, end: number, what: string): string {
  if (start >= end) throw new MalformedInputError(`${what} is an empty object identifier`);
  if (((bytes[end - 1] as number) & 0x80) !== 0) {
    throw new MalformedInputError(`${what} is a truncated object identifier`);
  }
  const arcs: string[] = [];
  let value = 0;
  let big: bigint | undefined;
  let first = true;
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (big !== undefined) {
      big = big * 128n + BigInt(b & 0x7f);
    } else {
      value = value * 128 + (b & 0x7f);
      if (value > 2 ** 46) big = BigInt(value);
    }
    if ((b & 0x80) === 0) {
      if (first) {
        first = false;
        if (big !== undefined) {
          arcs.push("2", (big - 80n).toString());
        } else if (value < 40) {
          arcs.push("0", String(value));
        } else if (value < 80) {
          arcs.push("1", String(value - 40));
        } else {
          arcs.push("2", String(value - 80));
        }
      } else {
        arcs.push(big !== undefined ? big.toString() : String(value));
      }
      value = 0;
      big = undefined;
    }
  }
  return arcs.join(".");
}

function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return Number.NaN;
  return a * 10 + b;
}

/** YYMMDDHHMM[SS]Z in `bytes[start, end)`; RFC 5280 maps YY < 50 to 20YY. */
function utcTimeFromBytes(bytes: Uint8Array, start: number, end: number): Date | undefined {
  const length = end - start;
  if ((length !== 11 && length !== 13) || bytes[end - 1] !== 0x5a) return undefined;
  for (let i = start; i < end - 1; i++) {
    const b = bytes[i] as number;
    if (b < 0x30 || b > 0x39) return undefined;
  }
  const two = (at: number) =>
    ((bytes[start + at] as number) - 0x30) * 10 + (bytes[start + at + 1] as number) - 0x30;
  const yy = two(0);
  const seconds = length === 13 ? two(10) : 0;
  return validUtcDate(yy < 50 ? 2000 + yy : 1900 + yy, two(2), two(4), two(6), two(8), seconds, 0);
}

function parseGeneralizedTime(text: string): Date | undefined {
  const match = /^(\d{4})(\d{8})(\d{2})?(?:[.,](\d{1,9}))?Z$/.exec(text);
  if (match === null) return undefined;
  const fraction = match[4] === undefined ? 0 : Math.floor(Number(`0.${match[4]}`) * 1000);
  return utcDate(Number(match[1]), text, 4, match[3] === undefined ? 0 : twoDigits(text, 12), fraction);
}

function utcDate(year: number, text: string, at: number, seconds: number, millis: number): Date | undefined {
  const month = twoDigits(text, at);
  const day = twoDigits(text, at + 2);
  const hour = twoDigits(text, at + 4);
  const minute = twoDigits(text, at + 6);
  return validUtcDate(year, month, day, hour, minute, seconds, millis);
}

function validUtcDate(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  seconds: number,
  millis: number,
): Date | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || seconds > 60) {
    return undefined;
  }
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, seconds, millis));
  // Date.UTC treats years 0..99 as 1900..1999; set the full year explicitly.
  date.setUTCFullYear(year);
  if (date.getUTCDate() !== day) return undefined;
  return date;
}
