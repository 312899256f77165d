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

function derKey(der: Uint8Array): string {
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("latin1");
}

function validAt(certificate: CertificateSummary, at: Date): boolean {
  const t = at.getTime();
  return certificate.notBefore.getTime() <= t && t <= certificate.notAfter.getTime();
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
 * non-anchor certificate's validity at `at`. Names are matched by their RFC 4514 rendering, case-insensitively,
 * which covers byte-identical names and the PrintableString/UTF8String re-encodings seen across renewals.
 */
export class CertificatePathFinder {
  private readonly bySubject = new Map<string, CertificateSummary[]>();
  private readonly parsed = new Map<string, X509Certificate | null>();
  private readonly anchorKeys: Set<string>;

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
    const visited = new Set([derKey(leaf.der)]);
    let frontier: { certificate: CertificateSummary; path: CertificateSummary[] }[] = [
      { certificate: leaf, path: [] },
    ];
    for (let depth = 0; depth < MAX_PATH_LENGTH && frontier.length > 0; depth++) {
      const next: typeof frontier = [];
      for (const { certificate, path } of frontier) {
        const anchor = this.anchorFor(certificate, notes);
        if (anchor !== undefined) return { found: true, path: [...path, anchor] };
        for (const candidate of this.issuerCandidates(certificate, at, visited, notes)) {
          visited.add(derKey(candidate.der));
          next.push({ certificate: candidate, path: [...path, candidate] });
        }
      }
      frontier = next;
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
      if (this.signedBy(certificate, anchor.publicKey)) return anchor.certificate;
      notes.push(
        `the signature of ${certificate.subject} does not verify with anchor ${anchor.certificate.subject}`,
      );
    }
    return undefined;
  }

  private issuerCandidates(
    certificate: CertificateSummary,
    at: Date,
    visited: ReadonlySet<string>,
    notes: string[],
  ): CertificateSummary[] {
    const found: CertificateSummary[] = [];
    for (const candidate of this.bySubject.get(certificate.issuer.toLowerCase()) ?? []) {
      if (visited.has(derKey(candidate.der)) || !keyIdentifiersAgree(certificate, candidate)) continue;
      const issuerKey = this.publicKeyOf(candidate);
      if (issuerKey === null || !this.signedBy(certificate, issuerKey)) continue;
      if (!validAt(candidate, at)) {
        notes.push(
          `issuer ${candidate.subject} (serial ${candidate.serialNumber}) is not valid at ${at.toISOString()}`,
        );
        continue;
      }
      found.push(candidate);
    }
    return found;
  }

  private signedBy(certificate: CertificateSummary, key: KeyObject): boolean {
    const parsed = this.parse(certificate);
    if (parsed === null) return false;
    try {
      return parsed.verify(key);
    } catch {
      return false;
    }
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
