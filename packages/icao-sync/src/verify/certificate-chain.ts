import { type KeyObject, X509Certificate } from "node:crypto";
import type { CertificateSummary } from "../parse/certificate-summary.js";

/** A certificate the caller trusts, with its public key already loaded by node:crypto. */
export interface TrustAnchor {
  readonly certificate: CertificateSummary;
  readonly publicKey: KeyObject;
}

/** The outcome of a path search: the certificates from the leaf's issuer up to and including an anchor. */
export type ChainSearch =
  | { readonly found: true; readonly path: readonly CertificateSummary[] }
  | { readonly found: false; readonly reason: string };

/** How deep a path of link certificates may go; real CSCA renewals chain a handful of times at most. */
const MAX_PATH_LENGTH = 12;

/** Signature checks a search may spend per certificate at hand, so a crafted list cannot make it try every pair. */
export const SIGNATURE_CHECKS_PER_CERTIFICATE = 4;

/** RFC 5280 basics: only a CA (basicConstraints cA TRUE) whose keyUsage, if present, allows keyCertSign issues. */
export function mayIssueCertificates(certificate: CertificateSummary): boolean {
  return certificate.isCa && certificate.keyCertSign !== false;
}

function issuerProblem(certificate: CertificateSummary): string {
  return certificate.isCa
    ? `${certificate.subject} (serial ${certificate.serialNumber}) has a keyUsage without keyCertSign`
    : `${certificate.subject} (serial ${certificate.serialNumber}) is not a CA (basicConstraints cA is not TRUE)`;
}

function derKey(der: Uint8Array): string {
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("latin1");
}

function validAt(certificate: CertificateSummary, at: Date): boolean {
  const t = at.getTime();
  return certificate.notBefore.getTime() <= t && t <= certificate.notAfter.getTime();
}

/** Keeps the first few notes for the failure message; a crafted list could otherwise make millions. */
function note(notes: string[], text: string): void {
  if (notes.length < 16) notes.push(text);
}

function keyIdentifiersAgree(child: CertificateSummary, issuer: CertificateSummary): boolean {
  return (
    child.authorityKeyIdentifier === null ||
    issuer.subjectKeyIdentifier === null ||
    child.authorityKeyIdentifier === issuer.subjectKeyIdentifier
  );
}

/**
 * Finds a path from a certificate to one of the trust anchors through the other certificates at hand (the
 * CSCAs and link certificates of the master list), checking every signature with node:crypto and every
 * non-anchor certificate's validity at `at`. Every issuer on the path, anchors included, must be a CA allowed
 * to sign certificates (RFC 5280 basicConstraints and keyUsage). Names are matched by their RFC 4514
 * rendering, case-insensitively, which covers byte-identical names and the PrintableString/UTF8String
 * re-encodings seen across renewals. The search spends at most `SIGNATURE_CHECKS_PER_CERTIFICATE` signature
 * checks per certificate at hand and never checks the same pair twice.
 */
export class CertificatePathFinder {
  private readonly bySubject = new Map<string, CertificateSummary[]>();
  private readonly parsed = new Map<string, X509Certificate | null>();
  private readonly anchorKeys: Set<string>;
  private readonly checked = new Map<CertificateSummary, Map<CertificateSummary, boolean>>();
  private readonly budget: number;
  /** Signature checks done so far, over every search of this finder. */
  signatureChecks = 0;

  constructor(
    pool: readonly CertificateSummary[],
    private readonly anchors: readonly TrustAnchor[],
  ) {
    for (const certificate of pool) {
      const key = certificate.subject.toLowerCase();
      const list = this.bySubject.get(key);
      if (list === undefined) this.bySubject.set(key, [certificate]);
      else list.push(certificate);
    }
    this.anchorKeys = new Set(anchors.map((a) => derKey(a.certificate.der)));
    this.budget = SIGNATURE_CHECKS_PER_CERTIFICATE * Math.max(4, pool.length + anchors.length);
  }

  /**
   * Searches breadth-first for a path from `leaf`, which must itself be valid at `at`. Each certificate is
   * expanded at most once, so a list crafted with many same-named certificates cannot blow up the search.
   */
  find(leaf: CertificateSummary, at: Date): ChainSearch {
    if (!validAt(leaf, at)) {
      return {
        found: false,
        reason: `the signer certificate ${leaf.subject} is valid from ${leaf.notBefore.toISOString()} to ${leaf.notAfter.toISOString()}, not at ${at.toISOString()}`,
      };
    }
    if (this.anchorKeys.has(derKey(leaf.der))) return { found: true, path: [] };
    const notes: string[] = [];
    // Certificates are told apart by object, not DER: comparing DER strings per pair is itself quadratic work.
    const visited = new Set<CertificateSummary>([leaf]);
    let frontier: { certificate: CertificateSummary; path: CertificateSummary[] }[] = [
      { certificate: leaf, path: [] },
    ];
    for (let depth = 0; depth < MAX_PATH_LENGTH && frontier.length > 0; depth++) {
      const next: typeof frontier = [];
      for (const { certificate, path } of frontier) {
        const anchor = this.anchorFor(certificate, notes);
        if (anchor !== undefined) return { found: true, path: [...path, anchor] };
        for (const candidate of this.issuerCandidates(certificate, at, visited, notes)) {
          visited.add(candidate);
          next.push({ certificate: candidate, path: [...path, candidate] });
        }
      }
      frontier = next;
    }
    if (this.signatureChecks >= this.budget) {
      notes.unshift(`the search gave up after ${this.signatureChecks} signature checks`);
    }
    const detail = notes.length > 0 ? ` (${[...new Set(notes)].slice(0, 3).join("; ")})` : "";
    return {
      found: false,
      reason: `no path from ${leaf.subject} to any of the ${this.anchors.length} trust anchors at ${at.toISOString()}${detail}`,
    };
  }

  private anchorFor(certificate: CertificateSummary, notes: string[]): CertificateSummary | undefined {
    const issuerName = certificate.issuer.toLowerCase();
    for (const anchor of this.anchors) {
      if (anchor.certificate.subject.toLowerCase() !== issuerName) continue;
      if (!keyIdentifiersAgree(certificate, anchor.certificate)) continue;
      if (!mayIssueCertificates(anchor.certificate)) {
        note(notes, `anchor ${issuerProblem(anchor.certificate)}`);
        continue;
      }
      if (this.signedBy(certificate, anchor.certificate, anchor.publicKey)) return anchor.certificate;
      note(
        notes,
        `the signature of ${certificate.subject} does not verify with anchor ${anchor.certificate.subject}`,
      );
    }
    return undefined;
  }

  private issuerCandidates(
    certificate: CertificateSummary,
    at: Date,
    visited: ReadonlySet<CertificateSummary>,
    notes: string[],
  ): CertificateSummary[] {
    const found: CertificateSummary[] = [];
    const named = this.bySubject.get(certificate.issuer.toLowerCase()) ?? [];
    // A candidate named by the key identifiers is tried first: it is the one that should verify.
    const ordered = [
      ...named.filter(
        (c) =>
          c.subjectKeyIdentifier !== null && c.subjectKeyIdentifier === certificate.authorityKeyIdentifier,
      ),
      ...named.filter(
        (c) =>
          c.subjectKeyIdentifier === null || c.subjectKeyIdentifier !== certificate.authorityKeyIdentifier,
      ),
    ];
    for (const candidate of ordered) {
      if (visited.has(candidate) || !keyIdentifiersAgree(certificate, candidate)) continue;
      if (!mayIssueCertificates(candidate)) {
        note(notes, `issuer ${issuerProblem(candidate)}`);
        continue;
      }
      if (this.signatureChecks >= this.budget) break;
      const issuerKey = this.publicKeyOf(candidate);
      if (issuerKey === null || !this.signedBy(certificate, candidate, issuerKey)) continue;
      if (!validAt(candidate, at)) {
        note(
          notes,
          `issuer ${candidate.subject} (serial ${candidate.serialNumber}) is not valid at ${at.toISOString()}`,
        );
        continue;
      }
      found.push(candidate);
    }
    return found;
  }

  private signedBy(certificate: CertificateSummary, issuer: CertificateSummary, key: KeyObject): boolean {
    let byIssuer = this.checked.get(certificate);
    if (byIssuer === undefined) {
      byIssuer = new Map();
      this.checked.set(certificate, byIssuer);
    }
    const known = byIssuer.get(issuer);
    if (known !== undefined) return known;
    if (this.signatureChecks >= this.budget) return false;
    this.signatureChecks += 1;
    const parsed = this.parse(certificate);
    let valid = false;
    if (parsed !== null) {
      try {
        valid = parsed.verify(key);
      } catch {
        valid = false;
      }
    }
    byIssuer.set(issuer, valid);
    return valid;
  }

  private publicKeyOf(certificate: CertificateSummary): KeyObject | null {
    try {
      return this.parse(certificate)?.publicKey ?? null;
    } catch {
      // node:crypto loads the key lazily; a corrupt SubjectPublicKeyInfo only fails here.
      return null;
    }
  }

  private parse(certificate: CertificateSummary): X509Certificate | null {
    const key = derKey(certificate.der);
    let parsed = this.parsed.get(key);
    if (parsed === undefined) {
      try {
        parsed = new X509Certificate(certificate.der);
      } catch {
        parsed = null;
      }
      this.parsed.set(key, parsed);
    }
    return parsed;
  }
}
