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
import {
  concat,
  integer,
  integerContent,
  octetString,
  oid,
  sequence,
  set,
  splitChildren,
  tlv,
} from "./der-writer.js";

/** eContentType of a CSCA master list. */
export const MASTER_LIST_CONTENT_TYPE = "2.23.136.1.1.2";

const digestOids = {
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
} as const;

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
  readonly digest?: keyof typeof digestOids;
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

const DEFAULT_SIGNING_TIME = new Date("2025-06-01T12:00:00Z");

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function attribute(type: string, value: Uint8Array): Attribute {
  return new Attribute({ attrType: type, attrValues: [toArrayBuffer(value)] });
}

function utcTime(date: Date): Uint8Array {
  const text = date.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
  return tlv(0x17, Buffer.from(text, "latin1"));
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

  const attributes = [attribute("1.2.840.113549.1.9.3", oid(eContentType))];
  if (signingTime !== null) attributes.push(attribute("1.2.840.113549.1.9.5", utcTime(signingTime)));
  attributes.push(
    attribute("1.2.840.113549.1.9.4", octetString(createHash(digest).update(content).digest())),
  );
  const signedSet = set(...attributes.map((a) => new Uint8Array(AsnConvert.serialize(a))));
  const signature = spec.withoutSignedAttributes ? signer.key.sign(content) : signer.key.sign(signedSet);
  if (spec.tamper === "signature")
    signature[signature.length - 1] = (signature[signature.length - 1] as number) ^ 0x01;

  let embeddedAttributes = attributes;
  if (spec.tamper === "signed-attributes") {
    const later = new Date((signingTime ?? DEFAULT_SIGNING_TIME).getTime() + 1000);
    embeddedAttributes = attributes.map((a) =>
      a.attrType === "1.2.840.113549.1.9.5" ? attribute(a.attrType, utcTime(later)) : a,
    );
  }
  const sid =
    spec.signerIdentifier === "issuerAndSerialNumber"
      ? new SignerIdentifier({
          issuerAndSerialNumber: new IssuerAndSerialNumber({
            issuer: buildName(signer.issuerName),
            serialNumber: toArrayBuffer(integerContent(signer.serialNumber)),
          }),
        })
      : new SignerIdentifier({
          subjectKeyIdentifier: new SubjectKeyIdentifier(
            toArrayBuffer(signer.subjectKeyIdentifier ?? new Uint8Array()),
          ),
        });
  const digestAlgorithm = new AlgorithmIdentifier({ algorithm: digestOids[digest] });
  const signerInfo = new SignerInfo({
    version: spec.signerIdentifier === "issuerAndSerialNumber" ? 1 : 3,
    sid,
    digestAlgorithm,
    ...(spec.withoutSignedAttributes ? {} : { signedAttrs: embeddedAttributes }),
    signatureAlgorithm: AsnConvert.parse(
      spec.bareKeyAlgorithm ? bareAlgorithm(signer) : signer.key.signatureAlgorithm,
      AlgorithmIdentifier,
    ),
    signature: new OctetString(toArrayBuffer(signature)),
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
  const skeleton = new Uint8Array(
    AsnConvert.serialize(
      new SignedData({
        version: 3,
        digestAlgorithms: new DigestAlgorithmIdentifiers([digestAlgorithm]),
        encapContentInfo: new EncapsulatedContentInfo({
          eContentType,
          eContent: new EncapsulatedContent({ single: new OctetString(toArrayBuffer(eContent)) }),
        }),
        signerInfos: new SignerInfos([signerInfo]),
      }),
    ),
  );
  if (!spec.withoutSignedAttributes && spec.tamper !== "signed-attributes") {
    const embedded = Buffer.from(signedSet);
    embedded[0] = 0xa0;
    if (Buffer.from(skeleton).indexOf(embedded) < 0) {
      throw new Error(
        "signMasterList: the serialized SignerInfo does not carry the signed attributes that were signed",
      );
    }
  }
  // Certificates and CRLs are spliced in as raw DER so their bytes are exactly the generated ones.
  const [version, digestAlgorithms, encap, signerInfos] = splitChildren(skeleton).children as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  const included = spec.includedCertificates ?? [signer.der];
  const parts = [version, digestAlgorithms, encap];
  if (included.length > 0) parts.push(tlv(0xa0, concat(included)));
  if (spec.crls !== undefined && spec.crls.length > 0) parts.push(tlv(0xa1, concat(spec.crls)));
  parts.push(signerInfos);
  const signedData = sequence(...parts);
  return new Uint8Array(
    AsnConvert.serialize(new ContentInfo({ contentType: id_signedData, content: toArrayBuffer(signedData) })),
  );
}
