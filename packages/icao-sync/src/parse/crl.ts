import { err, ok, type Result } from "@certs/result";
import { type DerNode, DerReader, Tag } from "./der.js";
import { decodeBinaryInput } from "./input-encoding.js";
import { DerLimitError, MalformedInputError } from "./malformed-input.js";
import { countryOf, formatRfc4514, readName } from "./distinguished-name.js";
import { parseFailure } from "./parse-failure.js";
import { type ParseLimits, resolveParseLimits } from "./parse-limits.js";
import { formatSerialNumber } from "./serial-number.js";

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
}

/**
 * Parses a CRL file, DER or PEM (`X509 CRL`). Malformed input gives a PARSE_ERROR; never throws. The CRL's
 * own signature is not checked here: CRLs are stored as published, like the original system did.
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

/** Reads a CertificateList SEQUENCE. */
export function readCrl(reader: DerReader, node: DerNode, what: string): ParsedCrl {
  const parts = reader.children(reader.expect(node, Tag.SEQUENCE, what));
  if (parts.length !== 3) throw new MalformedInputError(`${what} at byte ${node.start} is not an X.509 CRL`);
  const tbs = reader.children(reader.expect(parts[0], Tag.SEQUENCE, `${what} tbsCertList`));
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
  }
  const issuerName = readName(reader, issuerNode, `${what} issuer`);
  return {
    der: reader.encoded(node),
    issuer: formatRfc4514(issuerName),
    issuerDer: reader.encoded(issuerNode),
    country: countryOf(issuerName),
    thisUpdate,
    nextUpdate,
    revoked,
  };
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
