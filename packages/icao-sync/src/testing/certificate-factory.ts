import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Extension,
  Extensions,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import { derBoolean, integer, integerContent, octetString, oid, sequence, tlv } from "./der-writer.js";
import type { SigningKey } from "./signing-keys.js";

/** The ASN.1 string type an attribute value is written with. */
export type StringEncoding = "printable" | "utf8" | "bmp" | "teletex" | "ia5";

/** One attribute of a name to generate. `type` is a short name (C, O, OU, CN, L, ST, STREET, DC, UID, serialNumber, emailAddress) or a dotted OID. */
export interface NameAttributeSpec {
  readonly type: string;
  readonly value: string;
  readonly encoding?: StringEncoding;
}

/** A name to generate: RDNs in DER order, each with one or more attributes. */
export type NameSpec = readonly (readonly NameAttributeSpec[])[];

const attributeOids: Readonly<Record<string, string>> = {
  C: "2.5.4.6",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  CN: "2.5.4.3",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  STREET: "2.5.4.9",
  DC: "0.9.2342.19200300.100.1.25",
  UID: "0.9.2342.19200300.100.1.1",
  serialNumber: "2.5.4.5",
  emailAddress: "1.2.840.113549.1.9.1",
};

/** Shorthand for a one-attribute-per-RDN name: `simpleName(["C", "DE"], ["O", "bund"], ["CN", "csca"])`. */
export function simpleName(...pairs: readonly (readonly [string, string])[]): NameSpec {
  return pairs.map(([type, value]) => [{ type, value }]);
}

function defaultEncoding(type: string, value: string): StringEncoding {
  if (type === "emailAddress" || type === "DC") return "ia5";
  if ((type === "C" || type === "serialNumber") && /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value))
    return "printable";
  return "utf8";
}

/** Encodes a NameSpec as an X.509 Name (attribute order within an RDN kept as given). */
export function buildName(spec: NameSpec): Name {
  return new Name(
    spec.map(
      (rdn) =>
        new RelativeDistinguishedName(
          rdn.map((attribute) => {
            const encoding = attribute.encoding ?? defaultEncoding(attribute.type, attribute.value);
            const value = new AttributeValue(
              encoding === "printable"
                ? { printableString: attribute.value }
                : encoding === "bmp"
                  ? { bmpString: attribute.value }
                  : encoding === "teletex"
                    ? { teletexString: attribute.value }
                    : encoding === "ia5"
                      ? { ia5String: attribute.value }
                      : { utf8String: attribute.value },
            );
            return new AttributeTypeAndValue({
              type: attributeOids[attribute.type] ?? attribute.type,
              value,
            });
          }),
        ),
    ),
  );
}

/** How BasicConstraints is written: as a CA, as a CA flag explicitly FALSE (non-DER, seen in real CSCAs), or not at all. */
export type BasicConstraintsStyle = "ca" | "explicit-false" | "none";

/** What to put in a certificate. */
export interface CertificateSpec {
  readonly subject: NameSpec;
  /** Serial number: a bigint (written minimally, may be negative or zero) or raw INTEGER content octets. */
  readonly serialNumber: bigint | Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The subject's key (whose public half goes into the certificate). */
  readonly key: SigningKey;
  /** The issuing certificate; omitted for a self-signed certificate. */
  readonly issuer?: GeneratedCertificate;
  /** subjectKeyIdentifier bytes, or null to leave the extension out. */
  readonly subjectKeyIdentifier: Uint8Array | null;
  /** authorityKeyIdentifier: defaults to the issuer's SKI (own SKI when self-signed); null leaves it out. */
  readonly authorityKeyIdentifier?: Uint8Array | null;
  readonly basicConstraints?: BasicConstraintsStyle;
  /** The first byte of the keyUsage bits (default 0x06: keyCertSign and cRLSign); null leaves keyUsage out. */
  readonly keyUsage?: number | null;
  /** extendedKeyUsage purposes (dotted OIDs), e.g. the Deviation List Signer's; default: no such extension. */
  readonly extendedKeyUsage?: readonly string[];
}

/** A generated certificate with the key and the inputs that produced it. */
export interface GeneratedCertificate {
  readonly der: Uint8Array;
  readonly subject: NameSpec;
  readonly key: SigningKey;
  readonly serialNumber: bigint;
  readonly subjectKeyIdentifier: Uint8Array | null;
  readonly authorityKeyIdentifier: Uint8Array | null;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The issuer's subject (the certificate's own subject when self-signed). */
  readonly issuerName: NameSpec;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function serialValue(content: Uint8Array): bigint {
  let value = 0n;
  for (const b of content) value = (value << 8n) | BigInt(b);
  if (content.length > 0 && ((content[0] as number) & 0x80) !== 0) value -= 1n << BigInt(content.length * 8);
  return value;
}

function extension(id: string, critical: boolean, value: Uint8Array): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(toArrayBuffer(value)) });
}

/** Issues a certificate, signing with node:crypto (brainpool included). */
export function issueCertificate(spec: CertificateSpec): GeneratedCertificate {
  const issuerName = spec.issuer?.subject ?? spec.subject;
  const issuerKey = spec.issuer?.key ?? spec.key;
  const serialContent =
    spec.serialNumber instanceof Uint8Array ? spec.serialNumber : integerContent(spec.serialNumber);
  const aki =
    spec.authorityKeyIdentifier === undefined
      ? (spec.issuer?.subjectKeyIdentifier ?? spec.subjectKeyIdentifier)
      : spec.authorityKeyIdentifier;

  const extensions: Extension[] = [];
  const basic = spec.basicConstraints ?? "ca";
  if (basic === "ca") extensions.push(extension("2.5.29.19", true, sequence(derBoolean(true), integer(0n))));
  // DER forbids encoding a DEFAULT value; some real CSCAs do it anyway and strict parsers reject them.
  if (basic === "explicit-false") extensions.push(extension("2.5.29.19", true, sequence(derBoolean(false))));
  if (spec.subjectKeyIdentifier !== null) {
    extensions.push(extension("2.5.29.14", false, octetString(spec.subjectKeyIdentifier)));
  }
  if (aki !== null) extensions.push(extension("2.5.29.35", false, sequence(tlv(0x80, aki))));
  const keyUsage = spec.keyUsage === undefined ? 0x06 : spec.keyUsage;
  if (keyUsage !== null)
    extensions.push(extension("2.5.29.15", true, new Uint8Array([0x03, 0x02, 0x00, keyUsage])));
  if (spec.extendedKeyUsage !== undefined) {
    extensions.push(
      extension("2.5.29.37", false, sequence(...spec.extendedKeyUsage.map((purpose) => oid(purpose)))),
    );
  }

  const signatureAlgorithm = AsnConvert.parse(issuerKey.signatureAlgorithm, AlgorithmIdentifier);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serialContent),
    signature: signatureAlgorithm,
    issuer: buildName(issuerName),
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject: buildName(spec.subject),
    subjectPublicKeyInfo: AsnConvert.parse(spec.key.spki, SubjectPublicKeyInfo),
    extensions: new Extensions(extensions),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = issuerKey.sign(tbsDer);
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm,
    signatureValue: toArrayBuffer(signature),
  });
  return {
    der: new Uint8Array(AsnConvert.serialize(certificate)),
    subject: spec.subject,
    key: spec.key,
    serialNumber: serialValue(serialContent),
    subjectKeyIdentifier: spec.subjectKeyIdentifier,
    authorityKeyIdentifier: aki,
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    issuerName,
  };
}
