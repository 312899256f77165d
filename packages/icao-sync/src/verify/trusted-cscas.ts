import { type KeyObject, X509Certificate } from "node:crypto";
import type { CertificateSummary } from "../parse/certificate-summary.js";
import type { ParsedCrl } from "../parse/crl.js";
import { ldapDnCountry, parseLdapDn } from "../parse/ldap-dn.js";
import { type CertificateSignature, readCertificateSignature } from "./certificate-signature.js";
import {
  resolveSignatureScheme,
  type SignatureScheme,
  UnsupportedAlgorithmError,
  verifySignature,
} from "./signature-algorithm.js";

/** A CSCA whose trust was established in this sync (an anchor, or in the certList of an anchored list). */
export interface TrustedCsca {
  readonly certificate: CertificateSummary;
  readonly publicKey: KeyObject;
}

/** The outcome of checking a CRL or certificate against the trusted CSCAs. */
export type IssuerCheck =
  | { readonly status: "verified"; readonly by: CertificateSummary }
  /** No trusted CSCA has the issuer's name (and key identifier), or its algorithm cannot be checked. */
  | { readonly status: "unverifiable"; readonly reason: string }
  /** A trusted CSCA of that name exists and the signature does not verify with any of them. */
  | { readonly status: "invalid"; readonly reason: string };

const MAX_CACHED_ISSUERS = 10_000;

/** At most this many same-named CSCAs are tried for one signature: real countries have a handful. */
const MAX_CANDIDATES = 8;

function derKey(der: Uint8Array): string {
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("latin1");
}

/** A trusted CSCA whose key node:crypto loads on first use (most CSCAs of a list never sign anything here). */
class CscaEntry {
  private key: KeyObject | null | undefined;
  private subjectCountry: string | null | undefined;

  constructor(
    readonly certificate: CertificateSummary,
    publicKey: KeyObject | undefined,
  ) {
    this.key = publicKey;
  }

  /** The subject's `C`, upper-cased, or null; read when first asked (only nested lists ask). */
  get country(): string | null {
    if (this.subjectCountry === undefined) this.subjectCountry = rfc4514Country(this.certificate.subject);
    return this.subjectCountry;
  }

  /** The public key, or null when node:crypto cannot load it (such a CSCA verifies nothing). */
  publicKey(): KeyObject | null {
    if (this.key === undefined) {
      try {
        this.key = new X509Certificate(this.certificate.der).publicKey;
      } catch {
        this.key = null;
      }
    }
    return this.key;
  }
}

/** The `C` of an RFC 4514 name as this package renders it, upper-cased; null when absent or unreadable. */
export function rfc4514Country(name: string): string | null {
  try {
    return ldapDnCountry(parseLdapDn(name));
  } catch {
    return null;
  }
}

/**
 * The trusted CSCAs of a sync, by subject: CRLs and DSCs are stored only when one of them verifies their
 * signature. Names are matched by their RFC 4514 rendering, case-insensitively; where both the CSCA's SKI and
 * the signed object's AKI exist they must be equal. Public keys are loaded once, when first needed.
 */
export class TrustedCscas {
  private readonly bySubject = new Map<string, CscaEntry[]>();
  private readonly known = new Set<string>();
  // A PKD's 50,000 DSCs name a few hundred issuers: their candidates are looked up once (until the next add).
  private readonly candidateCache = new Map<string, TrustedCsca[]>();

  /** Adds a CSCA (once; a second add of the same DER is ignored). */
  add(certificate: CertificateSummary, publicKey?: KeyObject): void {
    const key = derKey(certificate.der);
    if (this.known.has(key)) return;
    this.known.add(key);
    this.candidateCache.clear();
    const subject = certificate.subject.toLowerCase();
    const list = this.bySubject.get(subject);
    const entry = new CscaEntry(certificate, publicKey);
    if (list === undefined) this.bySubject.set(subject, [entry]);
    else list.push(entry);
  }

  get size(): number {
    return this.known.size;
  }

  /** Whether this exact certificate (by DER) is trusted. */
  has(der: Uint8Array): boolean {
    return this.known.has(derKey(der));
  }

  /** The trusted CSCAs whose subject is `issuer` and whose SKI agrees with `aki`, with their keys loaded. */
  candidates(issuer: string, aki: string | null): readonly TrustedCsca[] {
    const cacheKey = `${issuer}\n${aki ?? ""}`;
    const cached = this.candidateCache.get(cacheKey);
    if (cached !== undefined) return cached;
    const found: TrustedCsca[] = [];
    for (const entry of this.bySubject.get(issuer.toLowerCase()) ?? []) {
      const ski = entry.certificate.subjectKeyIdentifier;
      if (aki !== null && ski !== null && ski !== aki) continue;
      const publicKey = entry.publicKey();
      if (publicKey !== null) found.push({ certificate: entry.certificate, publicKey });
    }
    // Bounded: a hostile file may name a new issuer in every entry.
    if (this.candidateCache.size >= MAX_CACHED_ISSUERS) this.candidateCache.clear();
    this.candidateCache.set(cacheKey, found);
    return found;
  }

  /** The trusted CSCAs whose subject's `C` is `country` (upper case), as trust anchors for a path search. */
  ofCountry(country: string): TrustedCsca[] {
    const found: TrustedCsca[] = [];
    for (const list of this.bySubject.values()) {
      for (const entry of list) {
        if (entry.country !== country) continue;
        const publicKey = entry.publicKey();
        if (publicKey !== null) found.push({ certificate: entry.certificate, publicKey });
      }
    }
    return found;
  }

  /** Checks a CRL's own signature (RFC 5280 5.1) with the trusted CSCAs that could have issued it. */
  verifyCrl(crl: ParsedCrl): IssuerCheck {
    return settleInThread(this.prepareCrl(crl));
  }

  /**
   * Checks a certificate's signature (a DSC) with the trusted CSCAs named as its issuer, from the slices of
   * its DER (no second parse of the certificate): `invalid` when it is not shaped like a certificate or no
   * candidate's key verifies it.
   */
  verifyCertificate(certificate: CertificateSummary): IssuerCheck {
    return settleInThread(this.prepareCertificate(certificate));
  }

  /** What `verifyCrl` decides without a signature check, or the check still to make. */
  prepareCrl(crl: ParsedCrl): IssuerCheck | SignatureTask {
    return this.prepare(crl.issuer, crl.authorityKeyIdentifier, () => ({
      signedBytes: crl.signedBytes,
      signatureAlgorithm: crl.signatureAlgorithm,
      signature: crl.signature,
    }));
  }

  /** What `verifyCertificate` decides without a signature check, or the check still to make. */
  prepareCertificate(certificate: CertificateSummary): IssuerCheck | SignatureTask {
    return this.prepare(certificate.issuer, certificate.authorityKeyIdentifier, () =>
      readCertificateSignature(certificate.der),
    );
  }

  private prepare(
    issuer: string,
    aki: string | null,
    read: () => CertificateSignature,
  ): IssuerCheck | SignatureTask {
    const candidates = this.candidates(issuer, aki);
    if (candidates.length === 0) {
      return { status: "unverifiable", reason: `no trusted CSCA ${issuer}${akiNote(aki)}` };
    }
    let signed: CertificateSignature;
    try {
      signed = read();
    } catch (error) {
      return {
        status: "invalid",
        reason: `it is not an X.509 certificate (${error instanceof Error ? error.message : String(error)})`,
      };
    }
    let scheme: SignatureScheme;
    try {
      scheme = resolveSignatureScheme(signed.signatureAlgorithm, signed.signatureAlgorithm);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // An algorithm this package cannot check proves nothing either way.
      if (error instanceof UnsupportedAlgorithmError) return { status: "unverifiable", reason };
      return { status: "invalid", reason };
    }
    return {
      issuer,
      candidates: candidates.slice(0, MAX_CANDIDATES),
      scheme,
      signedBytes: signed.signedBytes,
      signature: signed.signature,
    };
  }
}

/** A signature still to check: which candidate CSCA (if any) verifies it decides the outcome. */
export interface SignatureTask {
  readonly issuer: string;
  /** The trusted CSCAs to try, in order. */
  readonly candidates: readonly TrustedCsca[];
  readonly scheme: SignatureScheme;
  readonly signedBytes: Uint8Array;
  readonly signature: Uint8Array;
}

/** Whether `prepared` still needs its signature checked. */
export function isSignatureTask(prepared: IssuerCheck | SignatureTask): prepared is SignatureTask {
  return !("status" in prepared);
}

/** The index of the first candidate whose key verifies the task's signature, or -1. */
export function checkSignatureTask(task: SignatureTask): number {
  for (const [index, candidate] of task.candidates.entries()) {
    let valid = false;
    try {
      valid = verifySignature(task.scheme, candidate.publicKey, task.signedBytes, task.signature);
    } catch {
      valid = false;
    }
    if (valid) return index;
  }
  return -1;
}

/** The outcome of a task whose check found candidate `verifiedBy` (-1: none) to verify it. */
export function settleSignatureTask(task: SignatureTask, verifiedBy: number): IssuerCheck {
  const by = task.candidates[verifiedBy];
  if (by !== undefined) return { status: "verified", by: by.certificate };
  return {
    status: "invalid",
    reason: `its ${task.scheme.name} signature does not verify with any trusted CSCA ${task.issuer}`,
  };
}

function settleInThread(prepared: IssuerCheck | SignatureTask): IssuerCheck {
  return isSignatureTask(prepared) ? settleSignatureTask(prepared, checkSignatureTask(prepared)) : prepared;
}

function akiNote(aki: string | null): string {
  return aki === null ? "" : ` with subjectKeyIdentifier ${aki}`;
}
