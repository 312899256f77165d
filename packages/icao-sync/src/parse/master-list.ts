import { createHash } from "node:crypto";
import { err, ok, type Result } from "@certs/result";
import type { TrustAnchor } from "../verify/certificate-chain.js";
import { type CertificateSummary, readCertificateSummary } from "./certificate-summary.js";
import { type ParsedCrl, readCrl } from "./crl.js";
import { DerReader, Tag } from "./der.js";
import { MalformedInputError } from "./malformed-input.js";
import { decodeBinaryInput } from "./input-encoding.js";
import {
  checkSignerChains,
  checkSignerSignatures,
  type MasterListVerification,
} from "../verify/master-list-verification.js";
import type { MasterListContent } from "./master-list-content.js";
import { parseFailure } from "./parse-failure.js";
import { type ParseLimits, resolveParseLimits } from "./parse-limits.js";
import { readSignedData } from "./signed-data.js";

/** eContentType of an ICAO CSCA master list (ICAO 9303-12). */
export const CSCA_MASTER_LIST_OID = "2.23.136.1.1.2";

/** A parsed CSCA master list. */
export interface MasterList {
  /** Lowercase hex SHA-256 of the master list's DER (after PEM/base64/ZIP decoding). */
  readonly digest: string;
  /** CscaMasterList version (ICAO 9303-12 requires 0). */
  readonly version: number;
  /** Every certificate of the certList, self-signed CSCAs and link certificates alike, deduplicated by DER. */
  readonly cscas: readonly CertificateSummary[];
  /** How many certList entries were exact DER duplicates of an earlier entry. */
  readonly duplicates: number;
  /** SignedData.certificates: the signer certificate(s) and whatever else the signer included. Not CSCAs. */
  readonly signerCertificates: readonly CertificateSummary[];
  /** SignedData.crls, if the list carries any. */
  readonly crls: readonly ParsedCrl[];
  readonly content: MasterListContent;
  /** The verification outcome, or null when the caller asked for `verify: false`. */
  readonly verification: MasterListVerification | null;
}

/** Options of `parseMasterList`. */
export interface MasterListOptions {
  /** Verify the signature and (given anchors) the chain; default true. */
  readonly verify?: boolean;
  /** What the signer must chain to; with none, the signature is still checked but the chain is not. */
  readonly trustAnchors?: readonly TrustAnchor[];
  /** Check the chain at this time instead of the list's signingTime. */
  readonly at?: Date;
  /** The clock used when the list has no signingTime and `at` is not given. */
  readonly clock?: () => Date;
  readonly limits?: Partial<ParseLimits>;
}

/**
 * Parses a CSCA master list (DER, PEM, base64, or a ZIP holding one) and, unless `verify` is false, verifies
 * its signature and chain. Malformed input gives PARSE_ERROR; a list that is not what ICAO 9303-12 describes
 * gives PARSE_ERROR too; a signature or chain that does not verify gives SIGNATURE_ERROR. Never throws.
 */
export function parseMasterList(input: Uint8Array, options: MasterListOptions = {}): Result<MasterList> {
  try {
    return readMasterList(input, options);
  } catch (error) {
    // The last line of defence for the promise above: whatever a corrupt input provokes is reported, not thrown.
    return err(parseFailure("master list", error));
  }
}

function readMasterList(input: Uint8Array, options: MasterListOptions): Result<MasterList> {
  const limits = resolveParseLimits(options.limits);
  let der: Uint8Array;
  let structure: ReturnType<typeof readStructure>;
  try {
    der = decodeBinaryInput(input, { what: "master list", zip: true, limits });
    structure = readStructure(der, limits);
  } catch (error) {
    return err(parseFailure("master list", error));
  }

  const verify = options.verify ?? true;
  const signers = verify ? checkSignerSignatures(structure.content, structure.signerCertificates) : undefined;
  if (signers !== undefined && !signers.ok) return signers;

  let cscas: CertificateSummary[];
  let duplicates: number;
  let crls: ParsedCrl[];
  try {
    ({ cscas, duplicates } = readCertList(structure.content.eContent, limits));
    crls = structure.crlNodes.map((node, i) => readCrl(structure.reader, node, `SignedData CRL ${i + 1}`));
  } catch (error) {
    return err(parseFailure("master list", error));
  }

  let verification: MasterListVerification | null = null;
  if (signers !== undefined) {
    const chains = checkSignerChains(signers.value, [...cscas, ...structure.signerCertificates], options);
    if (!chains.ok) return chains;
    verification = chains.value;
  }
  return ok({
    digest: createHash("sha256").update(der).digest("hex"),
    version: 0,
    cscas,
    duplicates,
    signerCertificates: structure.signerCertificates,
    crls,
    content: structure.content,
    verification,
  });
}

/** Reads the CMS layer and checks what ICAO 9303-12 requires of it. */
function readStructure(der: Uint8Array, limits: ParseLimits) {
  const reader = new DerReader(der, limits);
  const layout = readSignedData(reader);
  if (layout.eContentType !== CSCA_MASTER_LIST_OID) {
    throw new MalformedInputError(
      `its content type is ${layout.eContentType}, not an ICAO CSCA master list (${CSCA_MASTER_LIST_OID})`,
    );
  }
  if (layout.eContent === null)
    throw new MalformedInputError("it has no encapsulated content (detached signature)");
  if (layout.signerInfos.length === 0) throw new MalformedInputError("it has no SignerInfo");
  const signerCertificates = layout.certificates.map((node, i) =>
    readCertificateSummary(reader, node, `SignedData certificate ${i + 1}`),
  );
  const content: MasterListContent = {
    eContentType: layout.eContentType,
    eContent: layout.eContent,
    signerInfos: layout.signerInfos,
  };
  return { reader, content, signerCertificates, crlNodes: layout.crls };
}

/** CscaMasterList ::= SEQUENCE { version INTEGER (0), certList SET OF Certificate }. */
function readCertList(
  eContent: Uint8Array,
  limits: ParseLimits,
): { cscas: CertificateSummary[]; duplicates: number } {
  const reader = new DerReader(eContent, limits);
  const root = reader.readWhole(0, eContent.length, 0, "CscaMasterList");
  const [versionNode, certList, extra] = reader.children(reader.expect(root, Tag.SEQUENCE, "CscaMasterList"));
  const version = reader.smallInteger(
    reader.expect(versionNode, Tag.INTEGER, "CscaMasterList version"),
    "version",
  );
  if (version !== 0) throw new MalformedInputError(`its CscaMasterList version is ${version}, not 0`);
  if (extra !== undefined) throw new MalformedInputError("CscaMasterList has unexpected trailing fields");
  const seen = new Set<string>();
  const cscas: CertificateSummary[] = [];
  let duplicates = 0;
  for (const [i, node] of reader
    .children(reader.expect(certList, Tag.SET, "CscaMasterList certList"))
    .entries()) {
    const key = Buffer.from(
      eContent.buffer,
      eContent.byteOffset + node.start,
      node.end - node.start,
    ).toString("latin1");
    if (seen.has(key)) {
      duplicates += 1;
      continue;
    }
    seen.add(key);
    cscas.push(readCertificateSummary(reader, node, `certList entry ${i + 1}`));
  }
  return { cscas, duplicates };
}
