import { createHash } from "node:crypto";
import { type AppError, appError, err, ok, type Result } from "@certs/result";
import { AsnConvert } from "@peculiar/asn1-schema";
import type { CertificateSummary } from "./certificate-summary.js";
import { readCertificateSummary } from "./certificate-summary.js";
import { type DerNode, DerReader, Tag } from "./der.js";
import { DeviationListContent } from "./deviation-list-schema.js";
import { formatRfc4514, readName } from "./distinguished-name.js";
import { decodeBinaryInput } from "./input-encoding.js";
import { MalformedInputError } from "./malformed-input.js";
import type { MasterListContent } from "./master-list-content.js";
import { parseFailure } from "./parse-failure.js";
import { type ParseLimits, resolveParseLimits } from "./parse-limits.js";
import { formatSerialNumber } from "./serial-number.js";
import { readSignedData } from "./signed-data.js";
import { checkSignerSignatures, type SignatureCheck } from "../verify/master-list-verification.js";

/** eContentType of an ICAO deviation list (Doc 9303-12, id-icao-DeviationList). */
export const DEVIATION_LIST_OID = "2.23.136.1.1.7";

/** How a deviation names the document signer certificate of the documents it concerns. */
export type DocumentSignerReference =
  | {
      readonly kind: "issuerAndSerialNumber";
      /** RFC 4514, rendered as the `issuer` columns are. */
      readonly issuer: string;
      readonly issuerDer: Uint8Array;
      /** As the `isn` columns write it (`0x1a2b`). */
      readonly serialNumber: string;
    }
  | { readonly kind: "subjectKeyIdentifier"; readonly keyIdentifier: string }
  /** Lowercase hex of the certificate's digest under the list's `digestAlgorithm`. */
  | { readonly kind: "certificateDigest"; readonly digest: string };

/** One DeviationDescription: the defect (its OID) and its parameters. */
export interface DeviationDescriptionEntry {
  /** The deviation OID, e.g. `2.23.136.1.1.7.1.1` (id-Deviation-CertOrKey-DSSignature). */
  readonly deviationType: string;
  readonly description: string | null;
  /** The DER of the parameters value, or null. */
  readonly parameters: Uint8Array | null;
  /** The DER of the nationalUse value, or null. */
  readonly nationalUse: Uint8Array | null;
}

/** One Deviation: which documents it concerns (every criterion given must hold) and what is wrong with them. */
export interface DeviationEntry {
  /** The two-letter document type (`P `, `ID`), or null. */
  readonly documentType: string | null;
  readonly dsc: DocumentSignerReference | null;
  readonly issuedFrom: Date | null;
  readonly issuedTo: Date | null;
  readonly documentNumbers: readonly string[] | null;
  readonly descriptions: readonly DeviationDescriptionEntry[];
}

/** A parsed deviation list. */
export interface DeviationList {
  /** Lowercase hex SHA-256 of the list's DER (after PEM/base64 decoding). */
  readonly digest: string;
  readonly version: number;
  /** The DeviationList digestAlgorithm OID (for `certificateDigest` references), or null. */
  readonly digestAlgorithm: string | null;
  readonly deviations: readonly DeviationEntry[];
  /** SignedData.certificates: the Deviation List Signer and whatever else the signer included. */
  readonly signerCertificates: readonly CertificateSummary[];
  readonly content: MasterListContent;
  /** The signers whose signature verified; null when the caller asked for `verify: false`. */
  readonly signers: readonly SignatureCheck[] | null;
}

/** Options of `parseDeviationList`. */
export interface DeviationListOptions {
  /** Check the signed attributes and the signature with the signer certificate; default true. */
  readonly verify?: boolean;
  readonly limits?: Partial<ParseLimits>;
}

/**
 * Parses an ICAO deviation list (CMS SignedData, DER, PEM or base64) and, unless `verify` is false, checks
 * its signature with the signer certificate it carries (not the signer's chain: see the sync for that).
 * Malformed input or a structure that is not a 9303-12 DeviationList gives PARSE_ERROR, a signature that
 * does not verify SIGNATURE_ERROR. Never throws.
 */
export function parseDeviationList(
  input: Uint8Array,
  options: DeviationListOptions = {},
): Result<DeviationList> {
  try {
    return readDeviationList(input, options);
  } catch (error) {
    return err(parseFailure("deviation list", error));
  }
}

function readDeviationList(input: Uint8Array, options: DeviationListOptions): Result<DeviationList> {
  const limits = resolveParseLimits(options.limits);
  let der: Uint8Array;
  let content: MasterListContent;
  let signerCertificates: CertificateSummary[];
  let body: Omit<DeviationList, "digest" | "signerCertificates" | "content" | "signers">;
  try {
    der = decodeBinaryInput(input, { what: "deviation list", zip: false, limits });
    const reader = new DerReader(der, limits);
    const layout = readSignedData(reader);
    if (layout.eContentType !== DEVIATION_LIST_OID) {
      throw new MalformedInputError(
        `its content type is ${layout.eContentType}, not an ICAO deviation list (${DEVIATION_LIST_OID})`,
      );
    }
    if (layout.eContent === null) throw new MalformedInputError("it has no encapsulated content");
    if (layout.signerInfos.length === 0) throw new MalformedInputError("it has no SignerInfo");
    signerCertificates = layout.certificates.map((node, i) =>
      readCertificateSummary(reader, node, `SignedData certificate ${i + 1}`),
    );
    content = {
      eContentType: layout.eContentType,
      eContent: layout.eContent,
      signerInfos: layout.signerInfos,
    };
    body = readContent(layout.eContent, limits);
  } catch (error) {
    return err(parseFailure("deviation list", error));
  }
  let signers: SignatureCheck[] | null = null;
  if (options.verify ?? true) {
    const checked = checkSignerSignatures(content, signerCertificates);
    if (!checked.ok) return err(aboutDeviationList(checked.error));
    signers = checked.value;
  }
  return ok({
    digest: createHash("sha256").update(der).digest("hex"),
    ...body,
    signerCertificates,
    content,
    signers,
  });
}

/** The signature verifier speaks of master lists; this is the same check on a deviation list. */
function aboutDeviationList(error: AppError): AppError {
  return appError(error.code, error.message.replace(/^The master list/, "The deviation list"), {
    ...(error.cause === undefined ? {} : { cause: error.cause }),
    ...(error.details === undefined ? {} : { details: error.details }),
  });
}

const UNBOUNDED_BER = { maxDepth: Infinity, maxNodes: Infinity, maxContentLength: Infinity };

/** Every element of the tree, against the reader's node and depth bounds, before asn1js builds objects. */
function walk(reader: DerReader, node: DerNode): void {
  if (!node.constructed) return;
  for (const child of reader.children(node)) walk(reader, child);
}

function readContent(
  eContent: Uint8Array,
  limits: ParseLimits,
): Omit<DeviationList, "digest" | "signerCertificates" | "content" | "signers"> {
  const reader = new DerReader(eContent, limits);
  const root = reader.expect(
    reader.readWhole(0, eContent.length, 0, "DeviationList"),
    Tag.SEQUENCE,
    "DeviationList",
  );
  walk(reader, root);
  const fields = reader.children(root);
  const version = reader.smallInteger(
    reader.expect(fields[0], Tag.INTEGER, "DeviationList version"),
    "version",
  );
  if (version !== 0) throw new MalformedInputError(`its DeviationList version is ${version}, not 0`);
  const deviationSet = reader.expect(fields[fields.length - 1], Tag.SET, "DeviationList deviations");
  if (fields.length > 3) throw new MalformedInputError("DeviationList has unexpected fields");
  const deviationNodes = reader.children(deviationSet);

  let parsed: DeviationListContent;
  try {
    // The walk above held the tree to `limits`; asn1js's own defaults (10,000 nodes) would refuse lists they allow.
    parsed = AsnConvert.parse(eContent, DeviationListContent, { berOptions: UNBOUNDED_BER });
  } catch (error) {
    throw new MalformedInputError(
      `its DeviationList does not match ICAO 9303-12 (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  // asn1-schema drops SET OF members it cannot read; a list must never lose a deviation silently.
  if (parsed.deviations.length !== deviationNodes.length) {
    throw new MalformedInputError(
      `${deviationNodes.length - parsed.deviations.length} of its ${deviationNodes.length} deviations do not match ICAO 9303-12`,
    );
  }
  const deviations = parsed.deviations.map((deviation, i): DeviationEntry => {
    const what = `deviation ${i + 1}`;
    const [documentsNode, descriptionsNode] = reader.children(
      reader.expect(deviationNodes[i], Tag.SEQUENCE, what),
    );
    const descriptionCount = reader.children(
      reader.expect(descriptionsNode, Tag.SET, `${what} descriptions`),
    ).length;
    if (deviation.descriptions.length !== descriptionCount || descriptionCount === 0) {
      throw new MalformedInputError(
        `${what} has no readable deviation description for each of its ${descriptionCount}`,
      );
    }
    const documents = deviation.documents;
    const named = [
      documents.issuerAndSerialNumber,
      documents.subjectKeyIdentifier,
      documents.certificateDigest,
    ];
    if (named.filter((n) => n !== undefined).length > 1) {
      throw new MalformedInputError(`${what} names its document signer more than once`);
    }
    let dsc: DocumentSignerReference | null = null;
    if (documents.issuerAndSerialNumber !== undefined) {
      // The issuer Name as it is in the input (byte-exact), read from the [1] element.
      const tagged = reader
        .children(reader.expect(documentsNode, Tag.SEQUENCE, `${what} documents`))
        .find((n) => n.tag === 0xa1);
      const nameNode = reader.expect(
        tagged === undefined ? undefined : reader.children(tagged)[0],
        Tag.SEQUENCE,
        `${what} issuer`,
      );
      dsc = {
        kind: "issuerAndSerialNumber",
        issuer: formatRfc4514(readName(reader, nameNode, `${what} issuer`)),
        issuerDer: Uint8Array.from(reader.encoded(nameNode)),
        serialNumber: formatSerialNumber(new Uint8Array(documents.issuerAndSerialNumber.serialNumber)),
      };
    } else if (documents.subjectKeyIdentifier !== undefined) {
      dsc = { kind: "subjectKeyIdentifier", keyIdentifier: hex(documents.subjectKeyIdentifier.buffer) };
    } else if (documents.certificateDigest !== undefined) {
      dsc = { kind: "certificateDigest", digest: hex(documents.certificateDigest.buffer) };
    }
    const hasCriterion =
      dsc !== null ||
      documents.documentType !== undefined ||
      documents.issuingDate !== undefined ||
      documents.documentNumbers !== undefined;
    if (!hasCriterion) throw new MalformedInputError(`${what} names no document (no criterion at all)`);
    return {
      documentType: documents.documentType ?? null,
      dsc,
      issuedFrom: documents.issuingDate?.firstIssued ?? null,
      issuedTo: documents.issuingDate?.lastIssued ?? null,
      documentNumbers: documents.documentNumbers === undefined ? null : [...documents.documentNumbers],
      descriptions: deviation.descriptions.map((d) => ({
        deviationType: d.deviationType,
        description: d.description ?? null,
        parameters: d.parameters === undefined ? null : new Uint8Array(d.parameters),
        nationalUse: d.nationalUse === undefined ? null : new Uint8Array(d.nationalUse),
      })),
    };
  });
  return { version, digestAlgorithm: parsed.digestAlgorithm?.algorithm ?? null, deviations };
}

function hex(buffer: ArrayBuffer): string {
  return Buffer.from(buffer).toString("hex");
}
