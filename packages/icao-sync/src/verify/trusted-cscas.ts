import { type KeyObject, X509Certificate } from "node:crypto";
import type { CertificateSummary } from "../parse/certificate-summary.js";
import type { ParsedCrl } from "../parse/crl.js";
import { resolveSignatureScheme, verifySignature } from "./signature-algorithm.js";

/** A CSCA whose trust was established in this sync (an anchor, or in the certList of an anchored list). */
export interface TrustedCsca {
  readonly certificate: CertificateSummary;
  readonly publicKey: KeyObject;
}

/** The outcome of checking a CRL or certificate against the trusted CSCAs. */
export type IssuerCheck =
  | { readonly status: "verified"; readonly by: CertificateSummary }
  /** No trusted CSCA has the issuer's name (and key identifier). */
  | { readonly status: "unverifiable"; readonly reason: string }
  /** A trusted CSCA of that name exists and the signature does not verify with any of them. */
  | { readonly status: "invalid"; readonly reason: string };

/** At most this many same-named CSCAs are tried for one signature: real countries have a handful. */
const MAX_CANDIDATES = 8;

function derKey(der: Uint8Array): string {
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("latin1");
}

/**
 * The trusted CSCAs of a sync, by subject: CRLs and DSCs are stored only when one of them verifies their
 * signature. Names are matched by their RFC 4514 rendering, case-insensitively; where both the CSCA's SKI and
 * the signed object's AKI exist they must be equal.
 */
export class TrustedCscas {
  private readonly bySubject = new Map<string, TrustedCsca[]>();
  private readonly known = new Set<string>();

  /** Adds a CSCA; a certificate whose key node:crypto cannot load is left out (it could verify nothing). */
  add(certificate: CertificateSummary, publicKey?: KeyObject): void {
    const key = derKey(certificate.der);
    if (this.known.has(key)) return;
    let loaded = publicKey;
    if (loaded === undefined) {
      try {
        loaded = new X509Certificate(certificate.der).publicKey;
      } catch {
        return;
      }
    }
    this.known.add(key);
    const subject = certificate.subject.toLowerCase();
    const list = this.bySubject.get(subject);
    const entry = { certificate, publicKey: loaded };
    if (list === undefined) this.bySubject.set(subject, [entry]);
    else list.push(entry);
  }

  get size(): number {
    return this.known.size;
  }

  /** The trusted CSCAs whose subject is `issuer` and whose SKI agrees with `aki`. */
  candidates(issuer: string, aki: string | null): TrustedCsca[] {
    return (this.bySubject.get(issuer.toLowerCase()) ?? []).filter(
      (c) =>
        aki === null ||
        c.certificate.subjectKeyIdentifier === null ||
        c.certificate.subjectKeyIdentifier === aki,
    );
  }

  /** Checks a CRL's own signature (RFC 5280 5.1) with the trusted CSCAs that could have issued it. */
  verifyCrl(crl: ParsedCrl): IssuerCheck {
    const candidates = this.candidates(crl.issuer, crl.authorityKeyIdentifier);
    if (candidates.length === 0) {
      return {
        status: "unverifiable",
        reason: `no trusted CSCA ${crl.issuer}${akiNote(crl.authorityKeyIdentifier)}`,
      };
    }
    let scheme;
    try {
      scheme = resolveSignatureScheme(crl.signatureAlgorithm, crl.signatureAlgorithm);
    } catch (error) {
      return { status: "invalid", reason: error instanceof Error ? error.message : String(error) };
    }
    for (const candidate of candidates.slice(0, MAX_CANDIDATES)) {
      let valid = false;
      try {
        valid = verifySignature(scheme, candidate.publicKey, crl.signedBytes, crl.signature);
      } catch {
        valid = false;
      }
      if (valid) return { status: "verified", by: candidate.certificate };
    }
    return {
      status: "invalid",
      reason: `its ${scheme.name} signature does not verify with any trusted CSCA ${crl.issuer}`,
    };
  }

  /** Checks a certificate's signature (a DSC) with the trusted CSCAs named as its issuer. */
  verifyCertificate(certificate: CertificateSummary): IssuerCheck {
    const candidates = this.candidates(certificate.issuer, certificate.authorityKeyIdentifier);
    if (candidates.length === 0) {
      return {
        status: "unverifiable",
        reason: `no trusted CSCA ${certificate.issuer}${akiNote(certificate.authorityKeyIdentifier)}`,
      };
    }
    let parsed: X509Certificate;
    try {
      parsed = new X509Certificate(certificate.der);
    } catch (error) {
      return {
        status: "invalid",
        reason: `it is not an X.509 certificate node:crypto reads (${String(error)})`,
      };
    }
    for (const candidate of candidates.slice(0, MAX_CANDIDATES)) {
      try {
        if (parsed.verify(candidate.publicKey)) return { status: "verified", by: candidate.certificate };
      } catch {
        // An unusable key verifies nothing; the next candidate may.
      }
    }
    return {
      status: "invalid",
      reason: `its signature does not verify with any trusted CSCA ${certificate.issuer}`,
    };
  }
}

function akiNote(aki: string | null): string {
  return aki === null ? "" : ` with subjectKeyIdentifier ${aki}`;
}
