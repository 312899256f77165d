import { createHash } from "node:crypto";
import { LDS_SECURITY_OBJECT_OID, writeLdsSecurityObject } from "../passive-auth/lds-security-object.js";
import { type GeneratedCertificate, issueCertificate, simpleName } from "./certificate-factory.js";
import { tlv } from "./der-writer.js";
import { SeededRandom } from "./seeded-random.js";
import {
  DEFAULT_SIGNING_TIME,
  DIGEST_OIDS,
  flipLastBit,
  laterSigningTime,
  type SignedDataDigest,
  signedAttributes,
  writeSignedData,
  writeSignerInfo,
} from "./signed-data-writer.js";
import { generateSigningKey, type KeyAlgorithm, type SigningKey } from "./signing-keys.js";

/** A hash the generated SODs may use for their data groups and messageDigest. */
export type DocumentDigest = SignedDataDigest;

/** What to put in a Document Signer certificate. */
export interface DocumentSignerSpec {
  /** The CSCA (or link certificate: its key signs) that issues it. */
  readonly csca: GeneratedCertificate;
  /** The C of the DSC's subject. */
  readonly country: string;
  readonly serialNumber: bigint;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Default ECDSA P-256. */
  readonly algorithm?: KeyAlgorithm;
  /** Reuse a key (generating RSA keys is slow in bulk). */
  readonly key?: SigningKey;
  /** The CN; default `DS <country> <serial>`. */
  readonly commonName?: string;
  readonly subjectKeyIdentifier?: Uint8Array;
}

/** Issues a DSC: no basicConstraints, keyUsage digitalSignature only, AKI of the issuing CSCA. */
export function issueDocumentSigner(spec: DocumentSignerSpec): GeneratedCertificate {
  const serialHex = spec.serialNumber.toString(16);
  return issueCertificate({
    subject: simpleName(
      ["C", spec.country],
      ["O", `Document Signers ${spec.country}`],
      ["CN", spec.commonName ?? `DS ${spec.country} ${serialHex}`],
    ),
    serialNumber: spec.serialNumber,
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    key: spec.key ?? generateSigningKey(spec.algorithm ?? "ecdsa-p256"),
    issuer: spec.csca,
    subjectKeyIdentifier:
      spec.subjectKeyIdentifier ?? createHash("sha1").update(`dsc ${spec.country} ${serialHex}`).digest(),
    basicConstraints: "none",
    keyUsage: 0x80,
  });
}

/**
 * Data groups of a generated passport, each an EF as read from the chip (tag, length, content): DG1 the MRZ
 * (tag 0x61), DG2 a face image stand-in (0x75), DG14 security infos (0x6e), and others as random bytes.
 */
export function generateDataGroups(
  seed: string | number,
  numbers: readonly number[] = [1, 2, 14],
): Map<number, Uint8Array> {
  const random = new SeededRandom(seed);
  const tags: Readonly<Record<number, number>> = {
    1: 0x61,
    2: 0x75,
    3: 0x63,
    11: 0x6b,
    12: 0x6c,
    14: 0x6e,
    15: 0x6f,
  };
  const groups = new Map<number, Uint8Array>();
  for (const number of numbers) {
    const tag = tags[number] ?? 0x60 + number;
    let content: Uint8Array;
    if (number === 1) {
      const documentNumber = Array.from(random.bytes(9), (b) => String.fromCharCode(65 + (b % 26))).join("");
      const mrz = `P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<${documentNumber}0UTO7408122F1204159ZE184226B<<<<<10`;
      // Tag 5F1F (the MRZ) is two octets: 0x5f, then the TLV of tag number 0x1f.
      content = Uint8Array.from([0x5f, ...tlv(0x1f, Buffer.from(mrz, "latin1"))]);
    } else {
      content = tlv(0x04, random.bytes(number === 2 ? 4096 : 64));
    }
    groups.set(number, tlv(tag, content));
  }
  return groups;
}

/** A deliberate defect, for tests that must see passive authentication refuse an SOD. */
export type SodTamper =
  /** A data group hash in the LDS Security Object is changed after signing (messageDigest no longer matches). */
  | "content"
  /** One bit of the signature value is flipped. */
  | "signature"
  /** The signingTime is changed after signing (the digest matches, the signature does not). */
  | "signed-attributes";

/** What to put in an EF.SOD. */
export interface DocumentSecurityObjectSpec {
  /** The DSC (its key signs). */
  readonly dsc: GeneratedCertificate;
  /** The data groups whose hashes the SOD signs, by number. */
  readonly dataGroups: ReadonlyMap<number, Uint8Array>;
  /** Hash of the data groups and of messageDigest; default the DSC key's hash. */
  readonly digest?: DocumentDigest;
  /** signingTime attribute; null leaves it out. Default 2025-06-01T12:00:00Z. */
  readonly signingTime?: Date | null;
  /** true (default): EF.SOD as stored on the chip, wrapped in tag 0x77; false: the bare CMS ContentInfo. */
  readonly wrap?: boolean;
  /** Put the DSC into SignedData.certificates (default true, as ICAO 9303-10 asks). */
  readonly includeCertificate?: boolean;
  /** Default issuerAndSerialNumber, as most States write it. */
  readonly signerIdentifier?: "subjectKeyIdentifier" | "issuerAndSerialNumber";
  /** LDSVersionInfo (LDS 1.8, version 1); default none (version 0). */
  readonly ldsVersion?: { readonly lds: string; readonly unicode: string };
  readonly tamper?: SodTamper;
}

/** Builds and signs an EF.SOD over the given data groups, the way ICAO 9303-10 describes it. */
export function signDocumentSecurityObject(spec: DocumentSecurityObjectSpec): Uint8Array {
  const dsc = spec.dsc;
  const digest = spec.digest ?? dsc.key.hash;
  const hashes = [...spec.dataGroups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([number, bytes]) => ({ number, hash: new Uint8Array(createHash(digest).update(bytes).digest()) }));
  const lds = (groups: typeof hashes) =>
    writeLdsSecurityObject({
      hashAlgorithm: DIGEST_OIDS[digest],
      dataGroups: groups,
      ...(spec.ldsVersion === undefined ? {} : { ldsVersion: spec.ldsVersion }),
    });
  const content = lds(hashes);
  const signingTime = spec.signingTime === undefined ? DEFAULT_SIGNING_TIME : spec.signingTime;
  const { attributes, signedSet } = signedAttributes(LDS_SECURITY_OBJECT_OID, content, digest, signingTime);
  const signature = dsc.key.sign(signedSet);
  if (spec.tamper === "signature") flipLastBit(signature);
  const signerInfo = writeSignerInfo({
    signer: dsc,
    by: spec.signerIdentifier ?? "issuerAndSerialNumber",
    digest,
    signedAttributes:
      spec.tamper === "signed-attributes" ? laterSigningTime(attributes, signingTime) : attributes,
    signatureAlgorithm: dsc.key.signatureAlgorithm,
    signature,
  });
  let eContent = content;
  if (spec.tamper === "content") {
    const [first, ...rest] = hashes;
    if (first === undefined) throw new Error("signDocumentSecurityObject: no data group to tamper with");
    const altered = Uint8Array.from(first.hash);
    altered[0] = (altered[0] as number) ^ 0xff;
    eContent = lds([{ number: first.number, hash: altered }, ...rest]);
  }
  const contentInfo = writeSignedData({
    eContentType: LDS_SECURITY_OBJECT_OID,
    eContent,
    signerInfo,
    // The DSC goes in as raw DER so its bytes are exactly the generated ones.
    certificates: (spec.includeCertificate ?? true) ? [dsc.der] : [],
  });
  return (spec.wrap ?? true) ? tlv(0x77, contentInfo) : contentInfo;
}
