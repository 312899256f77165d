import { createHash } from "node:crypto";
import {
  Attribute,
  ContentInfo,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  id_signedData,
  IssuerAndSerialNumber,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
} from "@peculiar/asn1-cms";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, SubjectKeyIdentifier } from "@peculiar/asn1-x509";
import { buildName, type GeneratedCertificate } from "./certificate-factory.js";
import { concat, integerContent, octetString, oid, sequence, set, splitChildren, tlv } from "./der-writer.js";

/**
 * The CMS SignedData both generated master lists (ICAO 9303-12) and EF.SODs (ICAO 9303-10) are made of:
 * signed attributes, a signer identifier, and a SignedData whose certificates and CRLs are spliced in as raw
 * DER. Each factory decides what is signed and how it is tampered with.
 */

/** The digest algorithms the factories may use, by their CMS object identifier. */
export const DIGEST_OIDS = {
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
} as const;

/** A digest a generated SignedData may use. */
export type SignedDataDigest = keyof typeof DIGEST_OIDS;

/** The signingTime both factories write unless told otherwise. */
export const DEFAULT_SIGNING_TIME = new Date("2025-06-01T12:00:00Z");

const CONTENT_TYPE_ATTRIBUTE = "1.2.840.113549.1.9.3";
const SIGNING_TIME_ATTRIBUTE = "1.2.840.113549.1.9.5";
const MESSAGE_DIGEST_ATTRIBUTE = "1.2.840.113549.1.9.4";

/** The bytes as an ArrayBuffer of their own, as the @peculiar schema classes want them. */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function attribute(type: string, value: Uint8Array): Attribute {
  return new Attribute({ attrType: type, attrValues: [toArrayBuffer(value)] });
}

function utcTime(date: Date): Uint8Array {
  return tlv(0x17, Buffer.from(`${date.toISOString().replace(/[-:T]/g, "").slice(2, 14)}Z`, "latin1"));
}

/** Signed attributes and the DER SET of them that the signer signs. */
export interface SignedAttributes {
  readonly attributes: readonly Attribute[];
  readonly signedSet: Uint8Array;
}

/** contentType, signingTime (unless null) and messageDigest of `content`, in that order. */
export function signedAttributes(
  contentType: string,
  content: Uint8Array,
  digest: SignedDataDigest,
  signingTime: Date | null,
): SignedAttributes {
  const attributes = [attribute(CONTENT_TYPE_ATTRIBUTE, oid(contentType))];
  if (signingTime !== null) attributes.push(attribute(SIGNING_TIME_ATTRIBUTE, utcTime(signingTime)));
  attributes.push(
    attribute(MESSAGE_DIGEST_ATTRIBUTE, octetString(createHash(digest).update(content).digest())),
  );
  return { attributes, signedSet: set(...attributes.map((a) => new Uint8Array(AsnConvert.serialize(a)))) };
}

/** The attributes with the signingTime a second later: what was signed no longer matches what is sent. */
export function laterSigningTime(attributes: readonly Attribute[], signingTime: Date | null): Attribute[] {
  const later = new Date((signingTime ?? DEFAULT_SIGNING_TIME).getTime() + 1000);
  return attributes.map((a) =>
    a.attrType === SIGNING_TIME_ATTRIBUTE ? attribute(a.attrType, utcTime(later)) : a,
  );
}

/** Flips the last bit of a signature in place. */
export function flipLastBit(signature: Uint8Array): void {
  signature[signature.length - 1] = (signature[signature.length - 1] as number) ^ 0x01;
}

/** What one SignerInfo says: who signed, with what, over which attributes. */
export interface SignerInfoSpec {
  readonly signer: GeneratedCertificate;
  /** How the sid names the signer; the SignerInfo version follows from it (RFC 5652 §5.3). */
  readonly by: "subjectKeyIdentifier" | "issuerAndSerialNumber";
  readonly digest: SignedDataDigest;
  /** undefined: no signed attributes (the signature is over the content itself). */
  readonly signedAttributes: readonly Attribute[] | undefined;
  /** The AlgorithmIdentifier DER of the signature. */
  readonly signatureAlgorithm: Uint8Array;
  readonly signature: Uint8Array;
}

/** A SignerInfo as the generated SignedData carries it. */
export function writeSignerInfo(spec: SignerInfoSpec): SignerInfo {
  return new SignerInfo({
    version: spec.by === "subjectKeyIdentifier" ? 3 : 1,
    sid: signerIdentifier(spec.signer, spec.by),
    digestAlgorithm: new AlgorithmIdentifier({ algorithm: DIGEST_OIDS[spec.digest] }),
    ...(spec.signedAttributes === undefined ? {} : { signedAttrs: [...spec.signedAttributes] }),
    signatureAlgorithm: AsnConvert.parse(spec.signatureAlgorithm, AlgorithmIdentifier),
    signature: new OctetString(toArrayBuffer(spec.signature)),
  });
}

function signerIdentifier(
  signer: GeneratedCertificate,
  by: "subjectKeyIdentifier" | "issuerAndSerialNumber",
): SignerIdentifier {
  if (by === "subjectKeyIdentifier") {
    const keyId = toArrayBuffer(signer.subjectKeyIdentifier ?? new Uint8Array());
    return new SignerIdentifier({ subjectKeyIdentifier: new SubjectKeyIdentifier(keyId) });
  }
  const issuerAndSerialNumber = new IssuerAndSerialNumber({
    issuer: buildName(signer.issuerName),
    serialNumber: toArrayBuffer(integerContent(signer.serialNumber)),
  });
  return new SignerIdentifier({ issuerAndSerialNumber });
}

/** What goes into a SignedData besides its one SignerInfo. */
export interface SignedDataParts {
  readonly eContentType: string;
  readonly eContent: Uint8Array;
  /** The one SignerInfo; its digest algorithm is the SignedData's. */
  readonly signerInfo: SignerInfo;
  /** SignedData.certificates as DER, spliced in unchanged; none when empty. */
  readonly certificates: readonly Uint8Array[];
  /** SignedData.crls as DER, spliced in unchanged; none when empty. */
  readonly crls?: readonly Uint8Array[];
}

/** A ContentInfo of a version 3 SignedData, with certificates and CRLs as exactly the bytes given. */
export function writeSignedData(parts: SignedDataParts): Uint8Array {
  const skeleton = new Uint8Array(
    AsnConvert.serialize(
      new SignedData({
        version: 3,
        digestAlgorithms: new DigestAlgorithmIdentifiers([parts.signerInfo.digestAlgorithm]),
        encapContentInfo: new EncapsulatedContentInfo({
          eContentType: parts.eContentType,
          eContent: new EncapsulatedContent({ single: new OctetString(toArrayBuffer(parts.eContent)) }),
        }),
        signerInfos: new SignerInfos([parts.signerInfo]),
      }),
    ),
  );
  const [version, digestAlgorithms, encap, signerInfos] = splitChildren(skeleton).children as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  const children = [version, digestAlgorithms, encap];
  if (parts.certificates.length > 0) children.push(tlv(0xa0, concat(parts.certificates)));
  if (parts.crls !== undefined && parts.crls.length > 0) children.push(tlv(0xa1, concat(parts.crls)));
  children.push(signerInfos);
  return new Uint8Array(
    AsnConvert.serialize(
      new ContentInfo({ contentType: id_signedData, content: toArrayBuffer(sequence(...children)) }),
    ),
  );
}
