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

/** A certificate from an LDIF entry, with the entry it came from. */
export interface LdifCertificate {
  readonly certificate: CertificateSummary;
  /** The entry's DN, e.g. `cn=...,o=dsc,c=MD,dc=nc-data,dc=download,dc=pkd,dc=icao,dc=int`. */
  readonly dn: string;
  /** The `c=` component of the entry's DN (the PKD's country), upper-cased, or null. */
  readonly country: string | null;
}

/** A master list nested in an LDIF entry (collection 002), parsed with the options given to `parseLdif`. */
export interface LdifMasterList {
  readonly masterList: MasterList;
  readonly dn: string;
  readonly country: string | null;
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
  dn: string;
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
  if (size > limits.maxInputBytes) {
    return err(
      parseFailure(
        "LDIF file",
        new MalformedInputError(`it is ${size} bytes, over the limit of ${limits.maxInputBytes}`),
      ),
    );
  }
  let records: RawEntry[];
  try {
    const text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: true }).decode(input);
    records = readRecords(text);
  } catch (error) {
    return err(parseFailure("LDIF file", error));
  }

  const dscs: LdifCertificate[] = [];
  const crls: LdifCrl[] = [];
  const masterLists: LdifMasterList[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const record of records) {
    let country: string | null;
    try {
      country = ldapDnCountry(parseLdapDn(record.dn));
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
          masterLists.push({ masterList: parsed.value, dn: record.dn, country });
          continue;
        }
        const reader = new DerReader(der, limits);
        const node = reader.readWhole(0, der.length, 0, where);
        if (isCrl) {
          crls.push({ crl: readCrl(reader, node, where), dn: record.dn });
          continue;
        }
        const key = Buffer.from(der).toString("latin1");
        if (seen.has(key)) {
          duplicates += 1;
          continue;
        }
        seen.add(key);
        dscs.push({ certificate: readCertificateSummary(reader, node, where), dn: record.dn, country });
      } catch (error) {
        return err(parseFailure("LDIF file", error, { line: item.line, dn: record.dn }));
      }
    }
  }
  return ok({ entries: records.length, dscs, duplicates, crls, masterLists });
}

/** Splits LDIF text into records, unfolding continuation lines and dropping comments. */
function readRecords(text: string): RawEntry[] {
  const records: RawEntry[] = [];
  let current: RawEntry | null = null;
  let logical: string[] | null = null;
  let logicalLine = 0;
  let inComment = false;

  const finishLine = (): void => {
    if (logical === null) return;
    const line = logical.length === 1 ? (logical[0] as string) : logical.join("");
    logical = null;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new MalformedInputError(`LDIF line ${logicalLine} is not 'attribute: value'`);
    const attribute = line.slice(0, colon);
    let rest = line.slice(colon + 1);
    let base64 = false;
    if (rest.startsWith(":")) {
      base64 = true;
      rest = rest.slice(1);
    } else if (rest.startsWith("<")) {
      throw new MalformedInputError(`LDIF line ${logicalLine} refers to a URL value, which is not supported`);
    }
    const value = rest.replace(/^ +/, "");
    if (current === null) {
      if (attribute.toLowerCase() === "version") return;
      if (attribute.toLowerCase() !== "dn")
        throw new MalformedInputError(`LDIF line ${logicalLine} starts a record without 'dn:'`);
      current = { line: logicalLine, dn: "", values: [] };
      current.dn = base64
        ? Buffer.from(decodeBase64Strict(value, `the DN at LDIF line ${logicalLine}`)).toString("utf8")
        : value;
      records.push(current);
      return;
    }
    current.values.push({ attribute, value, base64, line: logicalLine });
  };

  let lineNumber = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    let line = text.slice(start, end);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    lineNumber += 1;
    start = end + 1;
    if (line.startsWith(" ")) {
      // A folded continuation: one leading space, then the rest of the previous line (or comment).
      if (inComment) continue;
      if (logical === null) throw new MalformedInputError(`LDIF line ${lineNumber} continues nothing`);
      logical.push(line.slice(1));
      continue;
    }
    finishLine();
    inComment = false;
    if (line === "") {
      current = null;
      continue;
    }
    if (line.startsWith("#")) {
      inComment = true;
      continue;
    }
    logical = [line];
    logicalLine = lineNumber;
  }
  finishLine();
  return records;
}
