/**
 * A minimal DER encoder for the few structures the @peculiar schema classes cannot express exactly (an
 * explicit `cA FALSE`, a raw certList of given DER slices, RSASSA-PSS parameters) and for splicing CMS parts.
 */

/** Encodes one TLV. */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const length = content.length;
  let header: number[];
  if (length < 0x80) {
    header = [tag, length];
  } else {
    const lengthBytes: number[] = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) lengthBytes.unshift(n & 0xff);
    header = [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  }
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(0x30, concat(items));
export const set = (...items: Uint8Array[]): Uint8Array => tlv(0x31, concat(items));
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(0x04, bytes);
export const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 + n, inner);
export const derNull = (): Uint8Array => new Uint8Array([0x05, 0x00]);
export const derBoolean = (value: boolean): Uint8Array => new Uint8Array([0x01, 0x01, value ? 0xff : 0x00]);

/** The minimal two's-complement content octets of an integer. */
export function integerContent(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(BigInt.asUintN(8, v));
    bytes.unshift(byte);
    v >>= 8n;
    const signBit = (byte & 0x80) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) break;
  }
  return Uint8Array.from(bytes);
}

/** An INTEGER. */
export const integer = (value: bigint): Uint8Array => tlv(0x02, integerContent(value));

/** An OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map((a) => BigInt(a));
  const [first = 0n, second = 0n, ...rest] = arcs;
  const body: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i] = (chunk[i] as number) | 0x80;
    body.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(body));
}

/** The top-level elements inside a constructed element's content (for splicing serialized structures). */
export function splitChildren(element: Uint8Array): { tag: number; children: Uint8Array[] } {
  const { headerLength, length } = readHeader(element, 0);
  const children: Uint8Array[] = [];
  let offset = headerLength;
  const end = headerLength + length;
  while (offset < end) {
    const child = readHeader(element, offset);
    children.push(element.subarray(offset, offset + child.headerLength + child.length));
    offset += child.headerLength + child.length;
  }
  return { tag: element[0] as number, children };
}

function readHeader(bytes: Uint8Array, offset: number): { headerLength: number; length: number } {
  const first = bytes[offset + 1] as number;
  if (first < 0x80) return { headerLength: 2, length: first };
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (bytes[offset + 2 + i] as number);
  return { headerLength: 2 + count, length };
}
