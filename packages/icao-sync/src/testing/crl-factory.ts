import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  Extension,
  Extensions,
  RevokedCertificate,
  TBSCertList,
  Time,
  Version,
} from "@peculiar/asn1-x509";
import { buildName, type GeneratedCertificate, type NameSpec } from "./certificate-factory.js";
import { concat, integerContent, sequence, splitChildren, tlv } from "./der-writer.js";
import type { SigningKey } from "./signing-keys.js";

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

/** What an attacker changes in a CRL (all optional; none gives a genuine CRL). */
export interface CrlForgery {
  /** Sign with this key instead of the issuer's (a forged CRL naming a real CSCA). */
  readonly signingKey?: SigningKey;
  /** The issuer Name to write instead of the issuer certificate's subject. */
  readonly issuerName?: NameSpec;
  /** The cRLNumber extension. */
  readonly crlNumber?: bigint;
  /** Write the revokedCertificates list with this tag (e.g. 0x31, a SET) instead of SEQUENCE. */
  readonly revokedListTag?: number;
  /** Bytes appended after the CRL. */
  readonly trailingBytes?: Uint8Array;
}

/** Issues a v2 CRL signed by `issuer` (dates from 2050 on are written as GeneralizedTime, as RFC 5280 requires). */
export function issueCrl(
  issuer: GeneratedCertificate,
  entries: readonly RevocationSpec[],
  dates: { readonly thisUpdate: Date; readonly nextUpdate: Date },
  forge: CrlForgery = {},
): GeneratedCrl {
  const signature = AsnConvert.parse(issuer.key.signatureAlgorithm, AlgorithmIdentifier);
  const tbs = new TBSCertList({
    version: Version.v2,
    signature,
    issuer: buildName(forge.issuerName ?? issuer.subject),
    ...(forge.crlNumber === undefined
      ? {}
      : {
          crlExtensions: [
            new Extension({
              extnID: "2.5.29.20",
              critical: false,
              extnValue: new OctetString(toArrayBuffer(tlv(0x02, integerContent(forge.crlNumber)))),
            }),
          ],
        }),
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
  let tbsDer: Uint8Array = new Uint8Array(AsnConvert.serialize(tbs));
  if (forge.revokedListTag !== undefined) {
    // Re-tag the revokedCertificates SEQUENCE (the first SEQUENCE after the issuer) and sign what results.
    const { children } = splitChildren(tbsDer);
    const at = children.findIndex((c, i) => i > 2 && c[0] === 0x30);
    if (at < 0) throw new Error("revokedListTag needs a CRL with revoked entries");
    const retagged = Uint8Array.from(children[at] as Uint8Array);
    retagged[0] = forge.revokedListTag;
    children[at] = retagged;
    tbsDer = tlv(0x30, concat(children));
  }
  const signer = forge.signingKey ?? issuer.key;
  const der = sequence(
    tbsDer,
    new Uint8Array(AsnConvert.serialize(signature)),
    tlv(0x03, concat([new Uint8Array([0]), signer.sign(tbsDer)])),
  );
  return {
    der: forge.trailingBytes === undefined ? der : concat([der, forge.trailingBytes]),
    issuer,
    entries,
    thisUpdate: dates.thisUpdate,
    nextUpdate: dates.nextUpdate,
  };
}
