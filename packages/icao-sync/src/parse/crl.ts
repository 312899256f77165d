import { err, ok, type Result } from "@certs/result";
import { type DerNode, DerReader, Tag } from "./der.js";
import { decodeBinaryInput } from "./input-encoding.js";
import { DerLimitError, MalformedInputError } from "./malformed-input.js";
import { countryOf, formatRfc4514, readName } from "./distinguished-name.js";
import { parseFailure } from "./parse-failure.js";
import { type ParseLimits, resolveParseLimits } from "./parse-limits.js";
import { formatSerialNumber } from "./serial-number.js";
import { type AlgorithmIdentifier, readAlgorithmIdentifier } from "./signed-data.js";

/** RFC 5280 CRLReason names in snake_case, as Python cryptography's `ReasonFlags` members are named. */
export type RevocationReason =
  | "unspecified"
  | "key_compromise"
  | "ca_compromise"
  | "affiliation_changed"
  | "superseded"
  | "cessation_of_operation"
  | "certificate_hold"
  | "remove_from_crl"
  | "privilege_withdrawn"
  | "aa_compromise";

// CRLReason code -> name; code 7 is unused in RFC 5280.
const reasonByCode: ReadonlyMap<number, RevocationReason> = new Map([
  [0, "unspecified"],
  [1, "key_compromise"],
  [2, "ca_compromise"],
  [3, "affiliation_changed"],
  [4, "superseded"],
  [5, "cessation_of_operation"],
  [6, "certificate_hold"],
  [8, "remove_from_crl"],
  [9, "privilege_withdrawn"],
  [10, "aa_compromise"],
]);

const REASON_CODE_OID = [0x55, 0x1d, 0x15];
const CRL_NUMBER_OID = [0x55, 0x1d, 0x14];
const AKI_OID = [0x55, 0x1d, 0x23];

/** One revoked entry of a CRL. */
export interface RevokedCertificate {
  /** The revoked serial number as Python's `hex()` writes it. */
  readonly serialNumber: string;
  readonly revocationDate: Date;
  /** The reasonCode entry extension, or null when the entry has none. */
  readonly reason: RevocationReason | null;
}

/** An X.509 v2 CRL as the trust store keeps it. */
export interface ParsedCrl {
  /** The CRL's exact DER bytes. */
  readonly der: Uint8Array;
  /** The issuer rendered like Python cryptography's `Name.rfc4514_string()`. */
  readonly issuer: string;
  readonly issuerDer: Uint8Array;
  /** The issuer's `C` value upper-cased, or null when the issuer has none. */
  readonly country: string | null;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | null;
  readonly revoked: readonly RevokedCertificate[];
  /** The cRLNumber extension, or null when the CRL has none. */
  readonly crlNumber: bigint | null;
  /** Lowercase hex of the authorityKeyIdentifier's keyIdentifier, or null when absent. */
  readonly authorityKeyIdentifier: string | null;
  /** The DER of tbsCertList: what the signature covers. */
  readonly signedBytes: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** The signature value (the BIT STRING's content without its unused-bits octet). */
  readonly signature: Uint8Array;
}

/**
 * Parses a CRL file, DER or PEM (`X509 CRL`), strictly: fields out of place or mis-tagged, bytes after the
 * CRL, or control characters in the issuer's country are a PARSE_ERROR (never a CRL with fewer entries);
 * never throws. The CRL's own signature is checked by the sync against the trusted CSCAs (`verifyCrl`).
 */
export function parseCrl(
  input: Uint8Array,
  options: { readonly limits?: Partial<ParseLimits> } = {},
): Result<ParsedCrl> {
  const limits = resolveParseLimits(options.limits);
  try {
    const der = decodeBinaryInput(input, { what: "CRL", zip: false, limits });
    const reader = new DerReader(der, limits);
    return ok(readCrl(reader, reader.readWhole(0, der.length, 0, "CRL"), "CRL"));
  } catch (error) {
    return err(parseFailure("CRL", error));
  }
}

/** Reads a CertificateList SEQUENCE, field by field as RFC 5280 5.1 orders them. */
export function readCrl(reader: DerReader, node: DerNode, what: string): ParsedCrl {
  const parts = reader.children(reader.expect(node, Tag.SEQUENCE, what));
  if (parts.length !== 3) throw new MalformedInputError(`${what} at byte ${node.start} is not an X.509 CRL`);
  const tbsNode = reader.expect(parts[0], Tag.SEQUENCE, `${what} tbsCertList`);
  const signatureAlgorithm = readAlgorithmIdentifier(reader, parts[1], `${what} signatureAlgorithm`);
  const signatureBits = reader.value(reader.expect(parts[2], Tag.BIT_STRING, `${what} signature`));
  if (signatureBits[0] !== 0)
    throw new MalformedInputError(`${what} signature is not a whole number of bytes`);
  const tbs = reader.children(tbsNode);
  let i = tbs[0]?.tag === Tag.INTEGER ? 1 : 0;
  reader.expect(tbs[i++], Tag.SEQUENCE, `${what} signature algorithm`);
  const issuerNode = reader.expect(tbs[i++], Tag.SEQUENCE, `${what} issuer`);
  const thisUpdateNode = tbs[i++];
  if (thisUpdateNode === undefined) throw new MalformedInputError(`${what} has no thisUpdate`);
  const thisUpdate = reader.time(thisUpdateNode, `${what} thisUpdate`);
  let nextUpdate: Date | null = null;
  const maybeNext = tbs[i];
  if (maybeNext !== undefined && (maybeNext.tag === Tag.UTC_TIME || maybeNext.tag === Tag.GENERALIZED_TIME)) {
    nextUpdate = reader.time(maybeNext, `${what} nextUpdate`);
    i += 1;
  }
  const revoked: RevokedCertificate[] = [];
  if (tbs[i]?.tag === Tag.SEQUENCE) {
    for (const entry of reader.children(tbs[i] as DerNode)) revoked.push(readEntry(reader, entry, what));
    i += 1;
  }
  let extensions: CrlExtensions = { crlNumber: null, aki: null };
  if (tbs[i]?.tag === Tag.CONTEXT_0) {
    extensions = readCrlExtensions(reader, tbs[i] as DerNode, what);
    i += 1;
  }
  const extra = tbs[i];
  if (extra !== undefined) {
    // A mis-tagged revokedCertificates list lands here: it must not read as a CRL revoking nothing.
    throw new MalformedInputError(
      `${what} has an unexpected element (tag 0x${extra.tag.toString(16)}) at byte ${extra.start} of tbsCertList`,
    );
  }
  const issuerName = readName(reader, issuerNode, `${what} issuer`);
  const country = countryOf(issuerName);
  if (country !== null && hasControlCharacter(country)) {
    throw new MalformedInputError(`${what} issuer has a control character in its country (C)`);
  }
  return {
    der: reader.encoded(node),
    issuer: formatRfc4514(issuerName),
    issuerDer: reader.encoded(issuerNode),
    country,
    thisUpdate,
    nextUpdate,
    revoked,
    crlNumber: extensions.crlNumber,
    authorityKeyIdentifier: extensions.aki,
    signedBytes: reader.encoded(tbsNode),
    signatureAlgorithm,
    signature: signatureBits.subarray(1),
  };
}

interface CrlExtensions {
  readonly crlNumber: bigint | null;
  readonly aki: string | null;
}

function readCrlExtensions(reader: DerReader, wrapper: DerNode, what: string): CrlExtensions {
  const [list, extra] = reader.children(wrapper);
  if (extra !== undefined) throw new MalformedInputError(`${what} crlExtensions are malformed`);
  let crlNumber: bigint | null = null;
  let aki: string | null = null;
  for (const extension of reader.children(reader.expect(list, Tag.SEQUENCE, `${what} crlExtensions`))) {
    const items = reader.children(reader.expect(extension, Tag.SEQUENCE, `${what} crl extension`));
    const idNode = reader.expect(items[0], Tag.OID, `${what} crl extension id`);
    const valueNode = reader.expect(items[items.length - 1], Tag.OCTET_STRING, `${what} crl extension value`);
    const id = reader.value(idNode);
    if (sameBytes(id, CRL_NUMBER_OID)) {
      const inner = reader.readWhole(
        valueNode.valueStart,
        valueNode.end,
        valueNode.depth + 1,
        `${what} cRLNumber`,
      );
      const bytes = reader.integerBytes(inner, `${what} cRLNumber`);
      crlNumber = BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`);
    } else if (sameBytes(id, AKI_OID)) {
      const inner = reader.readWhole(
        valueNode.valueStart,
        valueNode.end,
        valueNode.depth + 1,
        `${what} authorityKeyIdentifier`,
      );
      const keyId = reader
        .children(reader.expect(inner, Tag.SEQUENCE, `${what} authorityKeyIdentifier`))
        .find((n) => n.tag === Tag.CONTEXT_PRIMITIVE_0);
      if (keyId !== undefined) aki = Buffer.from(reader.value(keyId)).toString("hex");
    }
  }
  return { crlNumber, aki };
}

function readEntry(reader: DerReader, node: DerNode, what: string): RevokedCertificate {
  const [serialNode, dateNode, extensionsNode] = reader.children(
    reader.expect(node, Tag.SEQUENCE, `${what} entry`),
  );
  const serialNumber = formatSerialNumber(reader.integerBytes(serialNode as DerNode, `${what} entry serial`));
  if (dateNode === undefined)
    throw new MalformedInputError(`${what} entry at byte ${node.start} has no revocation date`);
  const revocationDate = reader.time(dateNode, `${what} revocationDate`);
  let reason: RevocationReason | null = null;
  if (extensionsNode !== undefined) reason = readReason(reader, extensionsNode, what);
  return { serialNumber, revocationDate, reason };
}

function readReason(reader: DerReader, extensions: DerNode, what: string): RevocationReason | null {
  for (const extension of reader.children(
    reader.expect(extensions, Tag.SEQUENCE, `${what} entry extensions`),
  )) {
    const items = reader.children(reader.expect(extension, Tag.SEQUENCE, `${what} entry extension`));
    const idNode = reader.expect(items[0], Tag.OID, `${what} entry extension id`);
    const valueNode = reader.expect(
      items[items.length - 1],
      Tag.OCTET_STRING,
      `${what} entry extension value`,
    );
    if (!sameBytes(reader.value(idNode), REASON_CODE_OID)) continue;
    try {
      const enumerated = reader.readWhole(
        valueNode.valueStart,
        valueNode.end,
        valueNode.depth + 1,
        "reasonCode",
      );
      reader.expect(enumerated, Tag.ENUMERATED, `${what} reasonCode`);
      const code = reader.smallInteger(enumerated, `${what} reasonCode`);
      const reason = reasonByCode.get(code);
      if (reason === undefined) throw new MalformedInputError(`${what} has an unknown reason code ${code}`);
      return reason;
    } catch (error) {
      if (error instanceof DerLimitError) throw error;
      throw error instanceof MalformedInputError
        ? new MalformedInputError(`${what} entry at byte ${extension.start}: ${error.message}`)
        : error;
    }
  }
  return null;
}

function sameBytes(actual: Uint8Array, expected: readonly number[]): boolean {
  return actual.length === expected.length && expected.every((b, i) => actual[i] === b);
}

/** C0 controls and DEL: stored as they are in the `country` column, where PostgreSQL refuses NUL. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
