import { createHash } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  buildName,
  type GeneratedCertificate,
  issueCertificate,
  type NameSpec,
} from "./certificate-factory.js";
import { concat, integer, oid, sequence, set, tlv } from "./der-writer.js";
import { type MasterListTamper, signMasterList } from "./master-list-factory.js";
import type { SigningKey } from "./signing-keys.js";

/** eContentType of a deviation list (ICAO Doc 9303-12, id-icao-DeviationList). */
export const DEVIATION_LIST_CONTENT_TYPE = "2.23.136.1.1.7";

/** extendedKeyUsage of a Deviation List Signer certificate (9303-12, id-icao-DeviationListSigningKey). */
export const DEVIATION_LIST_SIGNER_EKU = "2.23.136.1.1.8";

/** How a deviation names the document signer certificate it concerns. */
export type DscIdentifierKind = "issuerAndSerialNumber" | "subjectKeyIdentifier" | "certificateDigest";

/** One DeviationDescription: the defect (a deviation OID) and its parameters. */
export interface DeviationDescriptionSpec {
  readonly type: string;
  readonly description?: string;
  /** DER of the parameters value (written inside the explicit [0] tag). */
  readonly parameters?: Uint8Array;
}

/** One Deviation: the documents it affects (all criteria given must hold) and what is wrong with them. */
export interface DeviationSpec {
  /** Two-letter document type, e.g. `P`. */
  readonly documentType?: string;
  /** The DSC of the affected documents, and how it is named. */
  readonly dsc?: { readonly certificate: GeneratedCertificate; readonly by: DscIdentifierKind };
  readonly issuedBetween?: readonly [Date, Date];
  readonly documentNumbers?: readonly string[];
  readonly descriptions: readonly DeviationDescriptionSpec[];
}

/** What to put in a deviation list. */
export interface DeviationListSpec {
  /** The Deviation List Signer (see `issueDeviationListSigner`). */
  readonly signer: GeneratedCertificate;
  readonly deviations: readonly DeviationSpec[];
  /** DeviationList version; 9303-12 requires 0. */
  readonly version?: number;
  /** Default 2025-06-01T12:00:00Z; null leaves the attribute out. */
  readonly signingTime?: Date | null;
  /** SignedData.certificates; default the signer alone. */
  readonly includedCertificates?: readonly Uint8Array[];
  readonly eContentType?: string;
  readonly tamper?: MasterListTamper;
}

const SHA256 = "2.16.840.1.101.3.4.2.1";

function generalizedTime(date: Date): Uint8Array {
  const text = date.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
  return tlv(0x18, Buffer.from(text, "latin1"));
}

function printable(text: string, tag = 0x13): Uint8Array {
  return tlv(tag, Buffer.from(text, "latin1"));
}

function nameDer(name: NameSpec): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(buildName(name)));
}

function dscIdentifier(dsc: NonNullable<DeviationSpec["dsc"]>): Uint8Array {
  const certificate = dsc.certificate;
  switch (dsc.by) {
    case "issuerAndSerialNumber":
      // [1] IMPLICIT IssuerAndSerialNumber: the SEQUENCE's content under a constructed context tag.
      return tlv(0xa1, concat([nameDer(certificate.issuerName), integer(certificate.serialNumber)]));
    case "subjectKeyIdentifier":
      if (certificate.subjectKeyIdentifier === null) throw new Error("the DSC has no subjectKeyIdentifier");
      return tlv(0x82, certificate.subjectKeyIdentifier);
    case "certificateDigest":
      return tlv(0x83, createHash("sha256").update(certificate.der).digest());
  }
}

/** The DeviationList DER (the eContent a deviation list signs), written by hand from the 9303-12 module. */
export function deviationListContent(spec: Pick<DeviationListSpec, "deviations" | "version">): Uint8Array {
  const deviations = spec.deviations.map((deviation) => {
    const documents: Uint8Array[] = [];
    if (deviation.documentType !== undefined) documents.push(printable(deviation.documentType, 0x80));
    if (deviation.dsc !== undefined) documents.push(dscIdentifier(deviation.dsc));
    if (deviation.issuedBetween !== undefined) {
      const [first, last] = deviation.issuedBetween;
      documents.push(tlv(0xa4, concat([generalizedTime(first), generalizedTime(last)])));
    }
    if (deviation.documentNumbers !== undefined) {
      documents.push(tlv(0xa5, concat(deviation.documentNumbers.map((n) => printable(n)))));
    }
    const descriptions = deviation.descriptions.map((d) =>
      sequence(
        ...(d.description === undefined ? [] : [printable(d.description)]),
        oid(d.type),
        ...(d.parameters === undefined ? [] : [tlv(0xa0, d.parameters)]),
      ),
    );
    return sequence(sequence(...documents), set(...descriptions));
  });
  return sequence(integer(BigInt(spec.version ?? 0)), sequence(oid(SHA256)), set(...deviations));
}

/** Builds and signs a deviation list (CMS SignedData, eContentType 2.23.136.1.1.7) as 9303-12 describes it. */
export function signDeviationList(spec: DeviationListSpec): Uint8Array {
  return signMasterList({
    certificates: [],
    content: deviationListContent(spec),
    signer: spec.signer,
    eContentType: spec.eContentType ?? DEVIATION_LIST_CONTENT_TYPE,
    ...(spec.signingTime === undefined ? {} : { signingTime: spec.signingTime }),
    ...(spec.includedCertificates === undefined ? {} : { includedCertificates: spec.includedCertificates }),
    ...(spec.tamper === undefined ? {} : { tamper: spec.tamper }),
  });
}

/** Issues a Deviation List Signer under `csca`: no CA, digitalSignature, the DLS extendedKeyUsage. */
export function issueDeviationListSigner(
  csca: GeneratedCertificate,
  key: SigningKey,
  options: {
    readonly subject?: NameSpec;
    readonly serialNumber?: bigint;
    readonly extendedKeyUsage?: readonly string[];
    readonly notBefore?: Date;
    readonly notAfter?: Date;
  } = {},
): GeneratedCertificate {
  const country = csca.subject.flat().find((a) => a.type === "C")?.value ?? "ZZ";
  return issueCertificate({
    subject: options.subject ?? [
      [{ type: "C", value: country }],
      [{ type: "CN", value: "Deviation List Signer" }],
    ],
    serialNumber: options.serialNumber ?? 0x0d15n,
    notBefore: options.notBefore ?? new Date("2025-01-01T00:00:00Z"),
    notAfter: options.notAfter ?? new Date("2028-01-01T00:00:00Z"),
    key,
    issuer: csca,
    subjectKeyIdentifier: createHash("sha1").update(key.spki).digest().subarray(0, 20),
    basicConstraints: "none",
    keyUsage: 0x80,
    extendedKeyUsage: options.extendedKeyUsage ?? [DEVIATION_LIST_SIGNER_EKU],
  });
}
