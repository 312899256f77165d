import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  CertificateList,
  Extension,
  Extensions,
  RevokedCertificate,
  TBSCertList,
  Time,
  Version,
} from "@peculiar/asn1-x509";
import { buildName, type GeneratedCertificate } from "./certificate-factory.js";
import { integerContent } from "./der-writer.js";

/** RFC 5280 CRLReason codes (7 is unused). */
export const reasonCodes = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10] as const;

/** One revoked entry to write. */
export interface RevocationSpec {
  readonly serialNumber: bigint;
  readonly revocationDate: Date;
  /** A CRLReason code, or undefined for an entry without the reasonCode extension. */
  readonly reasonCode?: number;
}

/** A generated CRL and what it was built from. */
export interface GeneratedCrl {
  readonly der: Uint8Array;
  readonly issuer: GeneratedCertificate;
  readonly entries: readonly RevocationSpec[];
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Issues a v2 CRL signed by `issuer` (dates from 2050 on are written as GeneralizedTime, as RFC 5280 requires). */
export function issueCrl(
  issuer: GeneratedCertificate,
  entries: readonly RevocationSpec[],
  dates: { readonly thisUpdate: Date; readonly nextUpdate: Date },
): GeneratedCrl {
  const signature = AsnConvert.parse(issuer.key.signatureAlgorithm, AlgorithmIdentifier);
  const tbs = new TBSCertList({
    version: Version.v2,
    signature,
    issuer: buildName(issuer.subject),
    thisUpdate: new Time(dates.thisUpdate),
    nextUpdate: new Time(dates.nextUpdate),
    ...(entries.length === 0
      ? {}
      : {
          revokedCertificates: entries.map(
            (entry) =>
              new RevokedCertificate({
                userCertificate: toArrayBuffer(integerContent(entry.serialNumber)),
                revocationDate: new Time(entry.revocationDate),
                ...(entry.reasonCode === undefined
                  ? {}
                  : {
                      crlEntryExtensions: new Extensions([
                        new Extension({
                          extnID: "2.5.29.21",
                          critical: false,
                          extnValue: new OctetString(new Uint8Array([0x0a, 0x01, entry.reasonCode]).buffer),
                        }),
                      ]),
                    }),
              }),
          ),
        }),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const crl = new CertificateList({
    tbsCertList: tbs,
    signatureAlgorithm: signature,
    signature: toArrayBuffer(issuer.key.sign(tbsDer)),
  });
  return {
    der: new Uint8Array(AsnConvert.serialize(crl)),
    issuer,
    entries,
    thisUpdate: dates.thisUpdate,
    nextUpdate: dates.nextUpdate,
  };
}
