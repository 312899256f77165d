import { AsnConvert } from "@peculiar/asn1-schema";
import type { GeneratedCertificate } from "./certificate-factory.js";
import { integer, oid, sequence, set } from "./der-writer.js";
import {
  DEFAULT_SIGNING_TIME,
  flipLastBit,
  laterSigningTime,
  type SignedDataDigest,
  signedAttributes,
  writeSignedData,
  writeSignerInfo,
} from "./signed-data-writer.js";

/** eContentType of a CSCA master list. */
export const MASTER_LIST_CONTENT_TYPE = "2.23.136.1.1.2";

/** A deliberate defect, for tests that must see verification refuse a list. */
export type MasterListTamper =
  /** The content is changed after signing, so the messageDigest no longer matches. */
  | "content"
  /** One bit of the signature value is flipped. */
  | "signature"
  /** The signingTime attribute is changed after signing, so the digest matches but the signature does not. */
  | "signed-attributes";

/** What to put in a master list. */
export interface MasterListSpec {
  /** The certList entries, in order, as DER (repeats allowed). */
  readonly certificates: readonly Uint8Array[];
  /** The master list signer (its key signs). */
  readonly signer: GeneratedCertificate;
  /** SignedData.certificates; defaults to the signer certificate alone. */
  readonly includedCertificates?: readonly Uint8Array[];
  /** SignedData.crls (CRL DER). */
  readonly crls?: readonly Uint8Array[];
  /** signingTime attribute; null leaves it out. Default 2025-06-01T12:00:00Z. */
  readonly signingTime?: Date | null;
  /** How the SignerInfo names its certificate; default by subjectKeyIdentifier, as real lists do. */
  readonly signerIdentifier?: "subjectKeyIdentifier" | "issuerAndSerialNumber";
  /** Digest for messageDigest; defaults to the signer key's hash. */
  readonly digest?: Exclude<SignedDataDigest, "sha1">;
  /** Write the bare key type (rsaEncryption / id-ecPublicKey) as signatureAlgorithm, as some CMS writers do. */
  readonly bareKeyAlgorithm?: boolean;
  readonly eContentType?: string;
  /** CscaMasterList version; ICAO 9303-12 requires 0. */
  readonly masterListVersion?: number;
  /** Leave out the signed attributes (signing the content directly), which ICAO 9303-12 does not allow. */
  readonly withoutSignedAttributes?: boolean;
  readonly tamper?: MasterListTamper;
  /** The eContent DER to sign instead of a CscaMasterList of `certificates` (e.g. a DeviationList). */
  readonly content?: Uint8Array;
}

function bareAlgorithm(signer: GeneratedCertificate): Uint8Array {
  return signer.key.algorithm.startsWith("rsa")
    ? sequence(oid("1.2.840.113549.1.1.1"), new Uint8Array([0x05, 0x00]))
    : sequence(oid("1.2.840.10045.2.1"));
}

/** Builds and signs a CMS SignedData holding a CscaMasterList, the way ICAO 9303-12 describes it. */
export function signMasterList(spec: MasterListSpec): Uint8Array {
  const signer = spec.signer;
  const content =
    spec.content ?? sequence(integer(BigInt(spec.masterListVersion ?? 0)), set(...spec.certificates));
  const eContentType = spec.eContentType ?? MASTER_LIST_CONTENT_TYPE;
  const digest = spec.digest ?? signer.key.hash;
  const signingTime = spec.signingTime === undefined ? DEFAULT_SIGNING_TIME : spec.signingTime;

  const { attributes, signedSet } = signedAttributes(eContentType, content, digest, signingTime);
  const signature = spec.withoutSignedAttributes ? signer.key.sign(content) : signer.key.sign(signedSet);
  if (spec.tamper === "signature") flipLastBit(signature);
  const signedInAttributes =
    spec.tamper === "signed-attributes" ? laterSigningTime(attributes, signingTime) : attributes;
  const signerInfo = writeSignerInfo({
    signer,
    by: spec.signerIdentifier ?? "subjectKeyIdentifier",
    digest,
    signedAttributes: spec.withoutSignedAttributes ? undefined : signedInAttributes,
    signatureAlgorithm: spec.bareKeyAlgorithm ? bareAlgorithm(signer) : signer.key.signatureAlgorithm,
    signature,
  });

  const eContent =
    spec.tamper === "content" && spec.content !== undefined
      ? Uint8Array.from([
          ...spec.content.subarray(0, -1),
          (spec.content[spec.content.length - 1] as number) ^ 0x01,
        ])
      : spec.tamper === "content"
        ? sequence(integer(BigInt(spec.masterListVersion ?? 0)), set(...spec.certificates.slice(1)))
        : content;
  if (!spec.withoutSignedAttributes && spec.tamper !== "signed-attributes") {
    const embedded = Buffer.from(signedSet);
    embedded[0] = 0xa0;
    if (Buffer.from(AsnConvert.serialize(signerInfo)).indexOf(embedded) < 0) {
      throw new Error(
        "signMasterList: the serialized SignerInfo does not carry the signed attributes that were signed",
      );
    }
  }
  // Certificates and CRLs go in as raw DER so their bytes are exactly the generated ones.
  return writeSignedData({
    eContentType,
    eContent,
    signerInfo,
    certificates: spec.includedCertificates ?? [signer.der],
    crls: spec.crls ?? [],
  });
}
