import { crc32, inflateRawSync } from "node:zlib";
import { MalformedInputError } from "./malformed-input.js";
import type { ParseLimits } from "./parse-limits.js";

/** One file of a ZIP archive's central directory, as the archive declares it. */
interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly declaredSize: number;
  /** Where the entry's local header starts and where its compressed data ends. */
  readonly start: number;
  readonly dataStart: number;
  readonly end: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;
const MASTER_LIST_NAME = /\.(ml|mls|bin|der|p7m|p7s|p7b|cms)$/i;

/**
 * Returns the one master list file of a ZIP archive, inflating nothing else. The archive is read from its
 * central directory, and refused when entries overlap or share data (the trick that makes a small archive
 * expand to gigabytes), when the entries' declared sizes add up past `maxZipEntryBytes`, or when the chosen
 * entry inflates past that limit, its declared size or its CRC: inflation stops at the cap.
 */
export function extractMasterListEntry(zip: Uint8Array, what: string, limits: ParseLimits): Uint8Array {
  const entries = readCentralDirectory(zip, what);
  const files = entries.filter((entry) => !entry.name.endsWith("/"));
  const declaredTotal = files.reduce((sum, entry) => sum + entry.declaredSize, 0);
  if (declaredTotal > limits.maxZipEntryBytes) {
    throw new MalformedInputError(
      `the ${what} ZIP archive declares ${declaredTotal} bytes of content, over the limit of ${limits.maxZipEntryBytes}`,
    );
  }
  refuseOverlaps(entries, what);
  const candidates = files.length === 1 ? files : files.filter((entry) => MASTER_LIST_NAME.test(entry.name));
  const [entry] = candidates;
  if (entry === undefined || candidates.length !== 1) {
    const listed = files.map((file) => file.name).join(", ");
    throw new MalformedInputError(
      `the ${what} ZIP archive must hold exactly one master list file, but it holds ${listed === "" ? "none" : listed}`,
    );
  }
  return inflateEntry(zip, entry, what, limits);
}

function readCentralDirectory(zip: Uint8Array, what: string): ZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const fail = (reason: string): never => {
    throw new MalformedInputError(`the ${what} is a ZIP archive that cannot be read: ${reason}`);
  };
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd === -1) fail("no end of central directory record");
  const count = view.getUint16(eocd + 10, true);
  const size = view.getUint32(eocd + 12, true);
  const offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff)
    fail("ZIP64 archives are not accepted");
  if (offset + size > eocd) fail("the central directory lies outside the archive");
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > offset + size || view.getUint32(at, true) !== CENTRAL_SIGNATURE)
      fail(`central directory entry ${i + 1} is malformed`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const declaredSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const start = view.getUint32(at + 42, true);
    const name = Buffer.from(zip.subarray(at + 46, at + 46 + nameLength)).toString("utf8");
    at += 46 + nameLength + extraLength + commentLength;
    if ((flags & 1) !== 0) fail(`entry ${name} is encrypted`);
    if (start + 30 > offset || view.getUint32(start, true) !== LOCAL_SIGNATURE)
      fail(`entry ${name} has no local header where the directory says`);
    const dataStart = start + 30 + view.getUint16(start + 26, true) + view.getUint16(start + 28, true);
    const end = dataStart + compressedSize;
    if (end > offset) fail(`entry ${name} runs into the central directory`);
    entries.push({ name, method, crc, compressedSize, declaredSize, start, dataStart, end });
  }
  return entries;
}

function refuseOverlaps(entries: readonly ZipEntry[], what: string): void {
  const sorted = [...entries].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1] as ZipEntry;
    const current = sorted[i] as ZipEntry;
    if (current.start < previous.end) {
      throw new MalformedInputError(
        `the ${what} ZIP archive has entries that overlap or share data (${previous.name} and ${current.name})`,
      );
    }
  }
}

function inflateEntry(zip: Uint8Array, entry: ZipEntry, what: string, limits: ParseLimits): Uint8Array {
  const data = zip.subarray(entry.dataStart, entry.end);
  let content: Uint8Array;
  if (entry.method === STORED) content = data;
  else if (entry.method === DEFLATED) {
    // zlib stops as soon as the output passes the cap, so a bomb costs at most the cap.
    const cap = Math.min(entry.declaredSize, limits.maxZipEntryBytes);
    try {
      content = inflateRawSync(data, { maxOutputLength: Math.max(cap, 1) });
    } catch (error) {
      const reason =
        error instanceof RangeError
          ? `inflates past ${cap} bytes (its declared size or the limit)`
          : `does not inflate: ${(error as Error).message}`;
      throw new MalformedInputError(`the ${what} ZIP entry ${entry.name} ${reason}`);
    }
  } else {
    throw new MalformedInputError(
      `the ${what} ZIP entry ${entry.name} uses compression method ${entry.method}, which is not accepted`,
    );
  }
  if (content.length !== entry.declaredSize) {
    throw new MalformedInputError(
      `the ${what} ZIP entry ${entry.name} holds ${content.length} bytes, not the ${entry.declaredSize} it declares`,
    );
  }
  if (crc32(content) >>> 0 !== entry.crc) {
    throw new MalformedInputError(`the ${what} ZIP entry ${entry.name} fails its CRC check`);
  }
  return content;
}
