import { err, ok, type Result } from "@certs/result";
import { type CertificateSummary, readCertificateSummary } from "./certificate-summary.js";
import { type ParsedCrl, readCrl } from "./crl.js";
import { DerReader } from "./der.js";
import { MalformedInputError } from "./malformed-input.js";
import { decodeBase64Strict } from "./input-encoding.js";
import { ldapDnCountry, parseLdapDn } from "./ldap-dn.js";
import { type MasterList, type MasterListOptions, parseMasterList } from "./master-list.js";
import { parseFailure } from "./parse-failure.js";
import { type ParseLimits, resolveParseLimits } from "./parse-limits.js";

/** The PKD collection an LDIF entry belongs to: 001 (DSCs and CRLs, `dc=data`) or 003 (`dc=nc-data`). */
export type LdifDscCollection = "001" | "003";

/** A certificate from an LDIF entry, with the entry it came from. */
export interface LdifCertificate {
  readonly certificate: CertificateSummary;
  /** The entry's DN, e.g. `cn=...,o=dsc,c=MD,dc=nc-data,dc=download,dc=pkd,dc=icao,dc=int`. */
  readonly dn: string;
  /** The `c=` component of the entry's DN (the PKD's country), upper-cased, or null. */
  readonly country: string | null;
  /** `003` for a non-conformant DSC (the entry is under `dc=nc-data`), else `001`. */
  readonly collection: LdifDscCollection;
  /** The entry's `pkdConformanceCode` values, in order (collection 003 carries one or more). */
  readonly conformanceCodes: readonly string[];
  /** The entry's `pkdConformanceText` values, in order. */
  readonly conformanceTexts: readonly string[];
  /** The entry's `pkdVersion`, or null when absent or not a whole number. */
  readonly pkdVersion: number | null;
}

/** A master list nested in an LDIF entry (collection 002), parsed with the options given to `parseLdif`. */
export interface LdifMasterList {
  readonly masterList: MasterList;
  readonly dn: string;
  readonly country: string | null;
  /** The entry's `pkdVersion`, or null. */
  readonly pkdVersion: number | null;
}

/** A CRL from an LDIF entry. */
export interface LdifCrl {
  readonly crl: ParsedCrl;
  readonly dn: string;
}

/** What an ICAO PKD LDIF download holds. */
export interface LdifContent {
  /** Number of entries (records with a `dn`) read. */
  readonly entries: number;
  /** `userCertificate;binary` values (DSCs in collections 001 and 003), deduplicated by DER. */
  readonly dscs: readonly LdifCertificate[];
  /** How many certificate values were exact DER duplicates of an earlier one. */
  readonly duplicates: number;
  /** Certificates under `o=bcsc` or `o=bcsc-nc` (Bar Code Signers): counted, never DSCs. */
  readonly barCodeSigners: number;
  /** `certificateRevocationList;binary` values. */
  readonly crls: readonly LdifCrl[];
  /** `pkdMasterListContent` values (collection 002). */
  readonly masterLists: readonly LdifMasterList[];
}

/** Options of `parseLdif`. */
export interface LdifOptions {
  /** How nested master lists are parsed; by default their signatures are verified (without a chain). */
  readonly masterList?: MasterListOptions;
  readonly limits?: Partial<ParseLimits>;
}

interface RawEntry {
  readonly line: number;
  readonly dn: string;
  readonly values: {
    readonly attribute: string;
    readonly value: string;
    readonly base64: boolean;
    readonly line: number;
  }[];
}

const CERTIFICATE_ATTRIBUTES = new Set(["usercertificate", "usercertificate;binary"]);
const CRL_ATTRIBUTES = new Set(["certificaterevocationlist", "certificaterevocationlist;binary"]);
const MASTER_LIST_ATTRIBUTES = new Set(["pkdmasterlistcontent", "pkdmasterlistcontent;binary"]);

/** What one LDIF record (entry) holds; the parts of `LdifContent` it adds to. */
export interface LdifRecordContent {
  readonly dscs: readonly LdifCertificate[];
  readonly duplicates: number;
  readonly barCodeSigners: number;
  readonly crls: readonly LdifCrl[];
  readonly masterLists: readonly LdifMasterList[];
}

/**
 * Parses an ICAO PKD LDIF download (collections 001, 002 and 003): lines folded with one leading space,
 * `attr:: base64` values, comments, escaped DNs. Returns the DSCs, CRLs and nested master lists it holds.
 * Malformed LDIF, base64 or DER gives a PARSE_ERROR naming the line; a nested master list whose signature
 * does not verify gives its SIGNATURE_ERROR. Never throws.
 */
export function parseLdif(input: string | Uint8Array, options: LdifOptions = {}): Result<LdifContent> {
  try {
    return readLdif(input, options);
  } catch (error) {
    return err(parseFailure("LDIF file", error));
  }
}

function readLdif(input: string | Uint8Array, options: LdifOptions): Result<LdifContent> {
  const limits = resolveParseLimits(options.limits);
  const size = typeof input === "string" ? input.length : input.byteLength;
  if (size > limits.maxInputBytes) return err(tooLarge(`it is ${size} bytes`, limits));
  let records: RawEntry[];
  try {
    const text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: true }).decode(input);
    const reader = new LdifRecordReader();
    records = [...reader.push(text), ...reader.end()];
  } catch (error) {
    return err(parseFailure("LDIF file", error));
  }

  const dscs: LdifCertificate[] = [];
  const crls: LdifCrl[] = [];
  const masterLists: LdifMasterList[] = [];
  const seen = new Set<string>();
  const isNew = (der: Uint8Array): boolean => {
    const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("latin1");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  let duplicates = 0;
  let barCodeSigners = 0;
  for (const record of records) {
    const content = readLdifRecord(record, options, limits, isNew);
    if (!content.ok) return content;
    dscs.push(...content.value.dscs);
    crls.push(...content.value.crls);
    masterLists.push(...content.value.masterLists);
    duplicates += content.value.duplicates;
    barCodeSigners += content.value.barCodeSigners;
  }
  return ok({ entries: records.length, dscs, duplicates, barCodeSigners, crls, masterLists });
}

function tooLarge(size: string, limits: ParseLimits) {
  return parseFailure(
    "LDIF file",
    new MalformedInputError(`${size}, over the limit of ${limits.maxInputBytes}`),
  );
}

/** One entry of a streamed LDIF, or the error that ends the stream. */
export type LdifStreamItem = Result<LdifRecordContent>;

/**
 * Parses an LDIF given as a stream of byte chunks, entry by entry, without holding the whole file: yields each
 * entry's content as soon as the entry is complete, then stops. A PARSE_ERROR (or a nested master list's
 * SIGNATURE_ERROR) is yielded as the last item. `isNewCertificate` decides the deduplication of DSCs by DER
 * (across inputs when the caller shares it); an error thrown by `chunks` itself is not caught.
 */
export async function* streamLdif(
  chunks: AsyncIterable<Uint8Array>,
  options: LdifOptions,
  isNewCertificate: (der: Uint8Array) => boolean,
): AsyncGenerator<LdifStreamItem, void, undefined> {
  const limits = resolveParseLimits(options.limits);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const reader = new LdifRecordReader();
  let size = 0;
  let finished = false;
  const iterator = chunks[Symbol.asyncIterator]();
  while (!finished) {
    const next = await iterator.next();
    let records: RawEntry[];
    try {
      if (next.done === true) {
        finished = true;
        records = [...reader.push(decoder.decode()), ...reader.end()];
      } else {
        size += next.value.byteLength;
        if (size > limits.maxInputBytes) {
          yield err(tooLarge(`it is at least ${size} bytes`, limits));
          await iterator.return?.();
          return;
        }
        records = reader.push(decoder.decode(next.value, { stream: true }));
      }
    } catch (error) {
      yield err(parseFailure("LDIF file", error));
      if (!finished) await iterator.return?.();
      return;
    }
    for (const record of records) {
      const content = readLdifRecord(record, options, limits, isNewCertificate);
      yield content;
      if (!content.ok) {
        if (!finished) await iterator.return?.();
        return;
      }
    }
  }
}

/** Reads the certificates, CRLs and master lists of one record. Never throws. */
function readLdifRecord(
  record: RawEntry,
  options: LdifOptions,
  limits: ParseLimits,
  isNewCertificate: (der: Uint8Array) => boolean,
): Result<LdifRecordContent> {
  let country: string | null;
  let place: EntryPlace;
  try {
    const rdns = parseLdapDn(record.dn);
    country = ldapDnCountry(rdns);
    place = entryPlace(rdns);
  } catch (error) {
    return err(parseFailure("LDIF file", error, { line: record.line, dn: record.dn }));
  }
  const dscs: LdifCertificate[] = [];
  const crls: LdifCrl[] = [];
  const masterLists: LdifMasterList[] = [];
  let duplicates = 0;
  let barCodeSigners = 0;
  let facts: EntryFacts;
  try {
    facts = entryFacts(record);
  } catch (error) {
    return err(parseFailure("LDIF file", error, { line: record.line, dn: record.dn }));
  }
  for (const item of record.values) {
    const attribute = item.attribute.toLowerCase();
    const isCertificate = CERTIFICATE_ATTRIBUTES.has(attribute);
    const isCrl = CRL_ATTRIBUTES.has(attribute);
    const isMasterList = MASTER_LIST_ATTRIBUTES.has(attribute);
    if (!isCertificate && !isCrl && !isMasterList) continue;
    const where = `LDIF value ${item.attribute} at line ${item.line}`;
    try {
      if (!item.base64)
        throw new MalformedInputError(`${where} is not base64 (expected '${item.attribute}::')`);
      const der = decodeBase64Strict(item.value, where);
      if (isMasterList) {
        const parsed = parseMasterList(der, { ...options.masterList, limits });
        if (!parsed.ok) {
          return err({ ...parsed.error, message: `${parsed.error.message} (${where}, dn ${record.dn})` });
        }
        masterLists.push({ masterList: parsed.value, dn: record.dn, country, pkdVersion: facts.pkdVersion });
        continue;
      }
      const reader = new DerReader(der, limits);
      const node = reader.readWhole(0, der.length, 0, where);
      if (isCrl) {
        crls.push({ crl: readCrl(reader, node, where), dn: record.dn });
        continue;
      }
      if (place.barCodeSigner) {
        // Bar Code Signers sign visible digital seals, not chips: they never belong in `dsc`.
        barCodeSigners += 1;
        continue;
      }
      if (!isNewCertificate(der)) {
        duplicates += 1;
        continue;
      }
      dscs.push({
        certificate: readCertificateSummary(reader, node, where),
        dn: record.dn,
        country,
        collection: place.nonConformant ? "003" : "001",
        conformanceCodes: facts.conformanceCodes,
        conformanceTexts: facts.conformanceTexts,
        pkdVersion: facts.pkdVersion,
      });
    } catch (error) {
      return err(parseFailure("LDIF file", error, { line: item.line, dn: record.dn }));
    }
  }
  return ok({ dscs, duplicates, barCodeSigners, crls, masterLists });
}

/** Where an entry sits in the PKD tree. */
interface EntryPlace {
  /** Under `o=bcsc` or `o=bcsc-nc`. */
  readonly barCodeSigner: boolean;
  /** Under `dc=nc-data` (collection 003). */
  readonly nonConformant: boolean;
}

const BAR_CODE_SIGNER_ORGS = new Set(["bcsc", "bcsc-nc"]);

function entryPlace(rdns: readonly (readonly { type: string; value: string }[])[]): EntryPlace {
  let barCodeSigner = false;
  let nonConformant = false;
  for (const rdn of rdns) {
    for (const attribute of rdn) {
      const type = attribute.type.toLowerCase();
      const value = attribute.value.toLowerCase();
      if (type === "o" && BAR_CODE_SIGNER_ORGS.has(value)) barCodeSigner = true;
      if (type === "dc" && value === "nc-data") nonConformant = true;
    }
  }
  return { barCodeSigner, nonConformant };
}

/** The PKD attributes of an entry that say what it is. */
interface EntryFacts {
  readonly conformanceCodes: readonly string[];
  readonly conformanceTexts: readonly string[];
  readonly pkdVersion: number | null;
}

function textValue(item: RawEntry["values"][number]): string {
  if (!item.base64) return item.value;
  const where = `LDIF value ${item.attribute} at line ${item.line}`;
  return Buffer.from(decodeBase64Strict(item.value, where)).toString("utf8");
}

function entryFacts(record: RawEntry): EntryFacts {
  const conformanceCodes: string[] = [];
  const conformanceTexts: string[] = [];
  let pkdVersion: number | null = null;
  for (const item of record.values) {
    const attribute = item.attribute.toLowerCase();
    if (attribute === "pkdconformancecode") conformanceCodes.push(textValue(item));
    else if (attribute === "pkdconformancetext") conformanceTexts.push(textValue(item));
    else if (attribute === "pkdversion") {
      const text = textValue(item).trim();
      const value = /^[0-9]{1,9}$/.test(text) ? Number(text) : null;
      pkdVersion = value;
    }
  }
  return { conformanceCodes, conformanceTexts, pkdVersion };
}

/**
 * Splits LDIF text into records as it arrives, unfolding continuation lines and dropping comments: `push`
 * returns the records completed by the text given so far, `end` the last one. Throws MalformedInputError.
 */
class LdifRecordReader {
  private current: RawEntry | null = null;
  private logical: string[] | null = null;
  private logicalLine = 0;
  private inComment = false;
  private lineNumber = 0;
  /** The pieces of a line not yet ended, kept apart so that a long line costs linear time over many chunks. */
  private pending: string[] = [];

  push(text: string): RawEntry[] {
    const out: RawEntry[] = [];
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      const piece = text.slice(start, end);
      if (this.pending.length === 0) this.line(piece, out);
      else {
        this.pending.push(piece);
        this.line(this.pending.join(""), out);
        this.pending = [];
      }
      start = end + 1;
    }
    if (start < text.length) this.pending.push(text.slice(start));
    return out;
  }

  end(): RawEntry[] {
    const out: RawEntry[] = [];
    // The text after the last newline is a line of its own, as when the file ends without one.
    this.line(this.pending.join(""), out);
    this.pending = [];
    this.finishLine();
    if (this.current !== null) out.push(this.current);
    this.current = null;
    return out;
  }

  private line(raw: string, out: RawEntry[]): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    this.lineNumber += 1;
    if (line.startsWith(" ")) {
      // A folded continuation: one leading space, then the rest of the previous line (or comment).
      if (this.inComment) return;
      if (this.logical === null)
        throw new MalformedInputError(`LDIF line ${this.lineNumber} continues nothing`);
      this.logical.push(line.slice(1));
      return;
    }
    this.finishLine();
    this.inComment = false;
    if (line === "") {
      if (this.current !== null) out.push(this.current);
      this.current = null;
      return;
    }
    if (line.startsWith("#")) {
      this.inComment = true;
      return;
    }
    this.logical = [line];
    this.logicalLine = this.lineNumber;
  }

  private finishLine(): void {
    const logical = this.logical;
    if (logical === null) return;
    const line = logical.length === 1 ? (logical[0] as string) : logical.join("");
    this.logical = null;
    const at = this.logicalLine;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new MalformedInputError(`LDIF line ${at} is not 'attribute: value'`);
    const attribute = line.slice(0, colon);
    let rest = line.slice(colon + 1);
    let base64 = false;
    if (rest.startsWith(":")) {
      base64 = true;
      rest = rest.slice(1);
    } else if (rest.startsWith("<")) {
      throw new MalformedInputError(`LDIF line ${at} refers to a URL value, which is not supported`);
    }
    const value = rest.replace(/^ +/, "");
    if (this.current === null) {
      if (attribute.toLowerCase() === "version") return;
      if (attribute.toLowerCase() !== "dn")
        throw new MalformedInputError(`LDIF line ${at} starts a record without 'dn:'`);
      const dn = base64
        ? Buffer.from(decodeBase64Strict(value, `the DN at LDIF line ${at}`)).toString("utf8")
        : value;
      this.current = { line: at, dn, values: [] };
      return;
    }
    if (attribute.toLowerCase() === "changetype") {
      // A delta file lists changes, not the directory: read as a whole one it would empty the store.
      throw new MalformedInputError(
        `LDIF line ${at} is a change record (changetype: ${value.slice(0, 20)}); PKD delta files are not accepted, use a complete download`,
      );
    }
    this.current.values.push({ attribute, value, base64, line: at });
  }
}
