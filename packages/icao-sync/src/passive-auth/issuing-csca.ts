import { type KeyObject, X509Certificate } from "node:crypto";
import { type Result, ok } from "@certs/result";
import type { CertificateSummary } from "../parse/certificate-summary.js";
import type { StoredCertificate, TrustStoreLookup } from "../trust-store/trust-store-reader.js";
import { mayIssueCertificates } from "../verify/certificate-chain.js";
import { readCertificateSignature } from "../verify/certificate-signature.js";
import { resolveSignatureScheme, verifySignature } from "../verify/signature-algorithm.js";
import { rfc4514Country } from "../verify/trusted-cscas.js";

/** How the DSC's issuer was found in `root_ca`. */
export type IssuerSearch =
  | {
      readonly status: "verified";
      /** The stored certificates from the DSC's issuer up to a self-signed CSCA (or the last one found). */
      readonly path: readonly StoredCertificate[];
    }
  | { readonly status: "invalid" | "not_found"; readonly reason: string };

/** Link certificates a path may cross; CSCA renewals chain a handful of times at most. */
const MAX_LINKS = 6;

// Stored certificates are cached objects of the reader, so their keys are loaded once per store read.
const publicKeys = new WeakMap<CertificateSummary, KeyObject | null>();

function publicKeyOf(certificate: CertificateSummary): KeyObject | null {
  let key = publicKeys.get(certificate);
  if (key === undefined) {
    try {
      key = new X509Certificate(certificate.der).publicKey;
    } catch {
      key = null;
    }
    publicKeys.set(certificate, key);
  }
  return key;
}

/** Whether `issuer`'s key verifies `certificate`'s signature (false for anything that cannot be checked). */
export function signedBy(certificate: CertificateSummary, issuer: CertificateSummary): boolean {
  const key = publicKeyOf(issuer);
  if (key === null) return false;
  try {
    const signed = readCertificateSignature(certificate.der);
    const scheme = resolveSignatureScheme(signed.signatureAlgorithm, signed.signatureAlgorithm);
    return verifySignature(scheme, key, signed.signedBytes, signed.signature);
  } catch {
    return false;
  }
}

function isSelfIssued(certificate: CertificateSummary): boolean {
  return certificate.subject.toLowerCase() === certificate.issuer.toLowerCase();
}

function sameDer(a: CertificateSummary, b: CertificateSummary): boolean {
  return Buffer.from(a.der).equals(Buffer.from(b.der));
}

/** The stored certificates named as `certificate`'s issuer (subject, and SKI where both key identifiers exist), self-signed first. */
async function candidatesFor(
  reader: TrustStoreLookup,
  certificate: CertificateSummary,
): Promise<Result<StoredCertificate[]>> {
  const aki = certificate.authorityKeyIdentifier;
  const bySubject = await reader.cscasBySubject(certificate.issuer);
  if (!bySubject.ok) return bySubject;
  const named = bySubject.value.filter(
    (c) =>
      aki === null ||
      c.certificate.subjectKeyIdentifier === null ||
      c.certificate.subjectKeyIdentifier === aki,
  );
  return ok([
    ...named.filter((c) => isSelfIssued(c.certificate)),
    ...named.filter((c) => !isSelfIssued(c.certificate)),
  ]);
}

/**
 * Finds the stored CSCA that issued `dsc`: a `root_ca` row with the DSC's issuer name and key identifier,
 * allowed to sign certificates, of the DSC's own country, whose key verifies the DSC's signature. When that
 * row is a link certificate, the path goes on through the stored certificates to the self-signed CSCA it
 * links from. Every stored row is trusted (a sync admits `root_ca` only from verified lists).
 */
export async function findIssuingCsca(
  reader: TrustStoreLookup,
  dsc: CertificateSummary,
): Promise<Result<IssuerSearch>> {
  const first = await candidatesFor(reader, dsc);
  if (!first.ok) return first;
  if (first.value.length === 0) {
    return ok({
      status: "not_found",
      reason: `no stored CSCA ${dsc.issuer}${dsc.authorityKeyIdentifier === null ? "" : ` with subjectKeyIdentifier ${dsc.authorityKeyIdentifier}`}`,
    });
  }
  const issuer = first.value.find((c) => signedBy(dsc, c.certificate));
  if (issuer === undefined) {
    return ok({
      status: "invalid",
      reason: `the DSC signature does not verify with any of the ${first.value.length} stored CSCAs ${dsc.issuer}`,
    });
  }
  if (!mayIssueCertificates(issuer.certificate)) {
    return ok({
      status: "invalid",
      reason: `the stored CSCA ${issuer.certificate.subject} may not sign certificates (basicConstraints or keyUsage)`,
    });
  }
  const dscCountry = rfc4514Country(dsc.subject);
  const cscaCountry = rfc4514Country(issuer.certificate.subject);
  if (dscCountry !== null && cscaCountry !== null && dscCountry !== cscaCountry) {
    return ok({
      status: "invalid",
      reason: `the DSC is of country ${dscCountry} but its CSCA ${issuer.certificate.subject} is of ${cscaCountry}`,
    });
  }
  const path: StoredCertificate[] = [issuer];
  let current = issuer;
  while (!isSelfIssued(current.certificate) && path.length <= MAX_LINKS) {
    const next = await candidatesFor(reader, current.certificate);
    if (!next.ok) return next;
    const up = next.value.find(
      (c) =>
        !path.some((p) => sameDer(p.certificate, c.certificate)) &&
        mayIssueCertificates(c.certificate) &&
        signedBy(current.certificate, c.certificate),
    );
    // A stored link whose issuer is not stored is trusted itself (the sync admitted it from a verified list).
    if (up === undefined) break;
    path.push(up);
    current = up;
  }
  return ok({ status: "verified", path });
}
