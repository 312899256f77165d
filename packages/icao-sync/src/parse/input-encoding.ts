import { MalformedInputError } from "./malformed-input.js";
import type { ParseLimits } from "./parse-limits.js";
import { extractMasterListEntry } from "./zip-archive.js";

/** A PEM block: its label (e.g. `CERTIFICATE`, `X509 CRL`, `CMS`) and decoded bytes. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
// 1 for the base64 alphabet by character code (the body `^[A-Za-z0-9+/]*={0,2}$`), 0 otherwise.
const BASE64_ALPHABET = Uint8Array.from({ length: 128 }, (_, code) =>
  /[A-Za-z0-9+/]/.test(String.fromCharCode(code)) ? 1 : 0,
);
const EQUALS = 0x3d;
const latin1 = new TextDecoder("latin1");

const PEM_BEGIN = "-----BEGIN ";
const PEM_END = "-----END ";
const PEM_LABEL = /^[A-Z0-9 ]{1,64}$/;

/**
 * Reads every PEM block of a text; text outside the blocks (comments, OpenSSL's "Bag Attributes") is ignored.
 * One forward pass: each block ends at the first END marker after its BEGIN, so a text of BEGIN lines
 * without END costs time linear in its length (a backtracking regex here was quadratic).
 */
export function readPemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let from = 0;
  for (;;) {
    const firstBegin = text.indexOf(PEM_BEGIN, from);
    if (firstBegin === -1) return blocks;
    const end = text.indexOf(PEM_END, firstBegin);
    if (end === -1) return blocks;
    // The block is opened by the last BEGIN before this END (earlier unclosed BEGIN lines are text).
    const begin = text.lastIndexOf(PEM_BEGIN, end);
    const beginLabel = readPemLabel(text, begin + PEM_BEGIN.length);
    const endLabel = readPemLabel(text, end + PEM_END.length);
    from = end + PEM_END.length;
    if (beginLabel === null || endLabel === null) continue;
    from = endLabel.next;
    if (beginLabel.label !== endLabel.label) continue;
    const label = beginLabel.label;
    // Encapsulated headers (RFC 1421 "Proc-Type: ...") end at the first blank line.
    let body = text.slice(beginLabel.next, end);
    if (body.includes(":")) body = body.slice(body.search(/\r?\n\r?\n/) + 1);
    blocks.push({ label, der: decodeBase64Strict(body, `PEM block ${label}`) });
  }
}

/** The label of a BEGIN/END marker whose label starts at `at`, and where the marker ends; null if malformed. */
function readPemLabel(text: string, at: number): { readonly label: string; readonly next: number } | null {
  const close = text.indexOf("-----", at);
  if (close === -1 || close - at > 64) return null;
  const label = text.slice(at, close);
  return PEM_LABEL.test(label) ? { label, next: close + 5 } : null;
}

/** Decodes base64 text, refusing characters outside the alphabet instead of skipping them as Node does. */
export function decodeBase64Strict(text: string, what: string): Uint8Array {
  // LDIF values come unfolded, without whitespace: one scan checks them (a regex was 4x slower here).
  const plain = isBase64Body(text);
  const compact = plain ? text : text.replace(/[\s]+/g, "");
  if (compact.length === 0 || (!plain && !isBase64Body(compact))) {
    throw new MalformedInputError(`${what} is not valid base64`);
  }
  return Buffer.from(compact, "base64");
}

/** Whether `text` is base64 alphabet characters followed by at most two `=`. */
function isBase64Body(text: string): boolean {
  const length = text.length;
  let i = 0;
  for (; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || BASE64_ALPHABET[code] === 0) break;
  }
  if (i < length && text.charCodeAt(i) === EQUALS) i += 1;
  if (i < length && text.charCodeAt(i) === EQUALS) i += 1;
  return i === length;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 512);
  for (const b of sample) {
    if (b < 0x09 || (b > 0x0d && b < 0x20) || b >= 0x7f) return false;
  }
  return true;
}

/**
 * Turns a binary input given as DER, PEM, bare base64 or (when `zip` is set) a ZIP archive holding one such
 * file into its DER bytes. Throws MalformedInputError with a readable reason otherwise.
 */
export function decodeBinaryInput(
  bytes: Uint8Array,
  options: { readonly what: string; readonly zip: boolean; readonly limits: ParseLimits },
): Uint8Array {
  const { what, limits } = options;
  if (bytes.length === 0) throw new MalformedInputError(`the ${what} is empty`);
  if (bytes.length > limits.maxInputBytes) {
    throw new MalformedInputError(
      `the ${what} is ${bytes.length} bytes, over the limit of ${limits.maxInputBytes}`,
    );
  }
  if (bytes[0] === 0x30) return bytes;
  if (startsWith(bytes, ZIP_MAGIC)) {
    if (!options.zip)
      throw new MalformedInputError(`the ${what} is a ZIP archive, which is not accepted here`);
    const inner = extractMasterListEntry(bytes, what, limits);
    return decodeBinaryInput(inner, { ...options, zip: false });
  }
  if (!looksLikeText(bytes)) {
    throw new MalformedInputError(`the ${what} is neither DER, PEM, base64 nor a ZIP archive`);
  }
  const text = latin1.decode(bytes);
  if (text.includes("-----BEGIN ")) {
    const [first] = readPemBlocks(text);
    if (first === undefined)
      throw new MalformedInputError(`the ${what} has a PEM header but no complete PEM block`);
    return first.der;
  }
  return decodeBase64Strict(text, `the ${what}`);
}
