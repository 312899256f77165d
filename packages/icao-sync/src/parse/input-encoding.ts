import { unzipSync } from "fflate";
import { MalformedInputError } from "./malformed-input.js";
import type { ParseLimits } from "./parse-limits.js";

/** A PEM block: its label (e.g. `CERTIFICATE`, `X509 CRL`, `CMS`) and decoded bytes. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const MASTER_LIST_NAME = /\.(ml|mls|bin|der|p7m|p7s|p7b|cms)$/i;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;
const latin1 = new TextDecoder("latin1");

/** Reads every PEM block of a text; text outside the blocks (comments, OpenSSL's "Bag Attributes") is ignored. */
export function readPemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const pattern = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const match of text.matchAll(pattern)) {
    const label = match[1] as string;
    // Encapsulated headers (RFC 1421 "Proc-Type: ...") end at the first blank line.
    let body = match[2] as string;
    if (body.includes(":")) body = body.slice(body.search(/\r?\n\r?\n/) + 1);
    blocks.push({ label, der: decodeBase64Strict(body, `PEM block ${label}`) });
  }
  return blocks;
}

/** Decodes base64 text, refusing characters outside the alphabet instead of skipping them as Node does. */
export function decodeBase64Strict(text: string, what: string): Uint8Array {
  const compact = text.replace(/[\s]+/g, "");
  if (compact.length === 0 || !BASE64_BODY.test(compact)) {
    throw new MalformedInputError(`${what} is not valid base64`);
  }
  return Buffer.from(compact, "base64");
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
    const inner = extractSingleEntry(bytes, what, limits);
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

function extractSingleEntry(zip: Uint8Array, what: string, limits: ParseLimits): Uint8Array {
  const oversized: string[] = [];
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, {
      filter: (file) => {
        if (file.name.endsWith("/")) return false;
        if (file.originalSize > limits.maxZipEntryBytes) {
          oversized.push(file.name);
          return false;
        }
        return true;
      },
    });
  } catch (error) {
    throw new MalformedInputError(`the ${what} is a ZIP archive that cannot be read: ${String(error)}`);
  }
  const names = Object.keys(entries);
  const candidates = names.length === 1 ? names : names.filter((n) => MASTER_LIST_NAME.test(n));
  if (candidates.length !== 1) {
    const listed =
      names.length === 0 && oversized.length > 0
        ? `only oversized entries (${oversized.join(", ")})`
        : names.join(", ");
    throw new MalformedInputError(
      `the ${what} ZIP archive must hold exactly one master list file, but it holds ${listed === "" ? "none" : listed}`,
    );
  }
  return entries[candidates[0] as string] as Uint8Array;
}
