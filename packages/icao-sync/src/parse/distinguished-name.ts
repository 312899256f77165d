import { type DerNode, type DerReader, Tag } from "./der.js";
import { MalformedInputError } from "./malformed-input.js";

/** One attribute of a distinguished name, its value decoded (or raw bytes for a BIT STRING value). */
export interface NameAttribute {
  /** Dotted attribute type, e.g. `2.5.4.3` for commonName. */
  readonly type: string;
  readonly value: string | Uint8Array;
}

/** A Name as its RDNs in DER order; each RDN holds its attributes in DER order. */
export type DistinguishedName = readonly (readonly NameAttribute[])[];

const COUNTRY = "2.5.4.6";

// The short names Python's cryptography uses in rfc4514_string(); every other type is printed as a dotted OID.
const shortNames: ReadonlyMap<string, string> = new Map([
  ["2.5.4.3", "CN"],
  ["2.5.4.7", "L"],
  ["2.5.4.8", "ST"],
  ["2.5.4.10", "O"],
  ["2.5.4.11", "OU"],
  [COUNTRY, "C"],
  ["2.5.4.9", "STREET"],
  ["0.9.2342.19200300.100.1.25", "DC"],
  ["0.9.2342.19200300.100.1.1", "UID"],
]);

/** Reads a Name (SEQUENCE OF SET OF AttributeTypeAndValue). */
export function readName(reader: DerReader, node: DerNode, what: string): DistinguishedName {
  reader.expect(node, Tag.SEQUENCE, what);
  const rdns: NameAttribute[][] = [];
  for (const rdnNode of reader.children(node)) {
    reader.expect(rdnNode, Tag.SET, `${what} RDN`);
    const attributes: NameAttribute[] = [];
    for (const atv of reader.children(rdnNode)) {
      reader.expect(atv, Tag.SEQUENCE, `${what} attribute`);
      const [typeNode, valueNode, extra] = reader.children(atv);
      if (typeNode === undefined || valueNode === undefined || extra !== undefined) {
        throw new MalformedInputError(`${what} attribute at byte ${atv.start} is malformed`);
      }
      const type = reader.oid(typeNode, `${what} attribute type`);
      const value =
        valueNode.tag === Tag.BIT_STRING
          ? reader.value(valueNode).slice()
          : valueNode.constructed
            ? reader.encoded(valueNode).slice()
            : reader.text(valueNode);
      attributes.push({ type, value });
    }
    if (attributes.length === 0)
      throw new MalformedInputError(`${what} has an empty RDN at byte ${rdnNode.start}`);
    rdns.push(attributes);
  }
  return rdns;
}

/** A value that `escapeDnValue` changes: a special character, or a leading `#`/space or a trailing space. */
const NEEDS_ESCAPE = /[\\"+,;<>\0]|^[# ]| $/;

/**
 * Escapes one attribute value the way Python's cryptography `_escape_dn_value` does (RFC 4514 section 2.4):
 * backslash before `\ " + , ; < >`, NUL as `\00`, a leading `#` or space, and a trailing space; raw bytes
 * are written as `#` and their hex.
 */
export function escapeDnValue(value: string | Uint8Array): string {
  if (typeof value !== "string") return `#${Buffer.from(value).toString("hex")}`;
  if (value === "") return "";
  // Most values need no escape at all: one native scan instead of a loop per character.
  if (!NEEDS_ESCAPE.test(value)) return value;
  let out = "";
  for (const ch of value) {
    switch (ch) {
      case "\\":
      case '"':
      case "+":
      case ",":
      case ";":
      case "<":
      case ">":
        out += `\\${ch}`;
        break;
      case "\0":
        out += "\\00";
        break;
      default:
        out += ch;
    }
  }
  // Python tests the edges after the replacements above and in this order, so a lone space becomes `\\ `.
  if (out.startsWith("#") || out.startsWith(" ")) out = `\\${out}`;
  if (out.endsWith(" ")) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** Renders a Name as Python cryptography's `Name.rfc4514_string()` does: RDNs reversed, attributes joined by `+`. */
export function formatRfc4514(name: DistinguishedName): string {
  let out = "";
  for (let i = name.length - 1; i >= 0; i--) {
    const rdn = name[i] as readonly NameAttribute[];
    if (i !== name.length - 1) out += ",";
    for (let k = 0; k < rdn.length; k++) {
      const a = rdn[k] as NameAttribute;
      if (k > 0) out += "+";
      out += `${shortNames.get(a.type) ?? a.type}=${escapeDnValue(a.value)}`;
    }
  }
  return out;
}

// Renderings of issuer Names already read, by their DER: a master list's CSCAs are mostly self-signed
// (subject and issuer alike) and a PKD's DSCs name a few hundred issuers, so most Names were rendered before.
const renderedNames = new Map<string, string>();
const MAX_RENDERED_NAMES = 4096;
/** Names longer than this are rendered each time, not kept: the cache holds at most 4096 × 1 KiB of keys. */
const MAX_REMEMBERED_NAME_BYTES = 1024;

/**
 * `formatRfc4514(readName(...))`, looked up first by the Name's DER bytes (the same bytes always give the
 * same rendering): a Name seen before is neither decoded nor rendered again. `remember`: keep this one for
 * later (issuers, which repeat; not subjects, which mostly do not). Only Names that read without error are
 * kept; the others fail each time, with their own positions in the message.
 */
export function readRfc4514Name(reader: DerReader, node: DerNode, what: string, remember: boolean): string {
  const bytes = reader.bytes;
  const key = Buffer.from(bytes.buffer, bytes.byteOffset + node.start, node.end - node.start).toString(
    "latin1",
  );
  const known = renderedNames.get(key);
  if (known !== undefined) return known;
  const rendered = formatRfc4514(readName(reader, node, what));
  if (!remember || key.length > MAX_REMEMBERED_NAME_BYTES) return rendered;
  // Bounded: a hostile input may hold a new issuer in every certificate.
  if (renderedNames.size >= MAX_RENDERED_NAMES) renderedNames.clear();
  renderedNames.set(key, rendered);
  return rendered;
}

/** The first `C` value of a name, upper-cased, or null when the name has none. */
export function countryOf(name: DistinguishedName): string | null {
  for (const rdn of name) {
    for (const attribute of rdn) {
      if (attribute.type === COUNTRY && typeof attribute.value === "string")
        return attribute.value.toUpperCase();
    }
  }
  return null;
}
