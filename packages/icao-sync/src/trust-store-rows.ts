import { randomUUID } from "node:crypto";
import type { CertificateSummary } from "./certificate-summary.js";
import type { ParsedCrl, RevocationReason } from "./crl.js";

/** A row of `root_ca` or `dsc` (the two tables have the same columns). */
export interface CertificateRow {
  readonly id: string;
  readonly certificate: Uint8Array;
  readonly subject_key_identifier: string | null;
  readonly authority_key_identifier: string | null;
  readonly issuer: string;
  readonly x_500_issuer: Uint8Array;
  readonly source: string;
  readonly isn: string;
  readonly updated_at: Date;
}

/** A row of `crls`. */
export interface CrlRow {
  readonly id: string;
  readonly crl: Uint8Array;
  readonly source: string;
  readonly issuer: string;
  readonly country: string | null;
  readonly updated_at: Date;
}

/** A row of `revoked_certificate_list`; `crl` is the id of its parent `crls` row. */
export interface RevokedCertificateRow {
  readonly id: string;
  readonly source: string;
  readonly country: string | null;
  readonly isn: string;
  readonly crl: string;
  readonly revocation_reason: RevocationReason | null;
  /** The revocation time as an instant; store it as UTC. */
  readonly revocation_date: Date;
  readonly updated_at: Date;
}

/** Everything one sync writes, table by table. */
export interface TrustStoreRows {
  readonly root_ca: readonly CertificateRow[];
  readonly dsc: readonly CertificateRow[];
  readonly crls: readonly CrlRow[];
  readonly revoked_certificate_list: readonly RevokedCertificateRow[];
}

/** What goes into the trust store. */
export interface TrustStoreContent {
  /** CSCA and link certificates (master list certList entries). */
  readonly cscas?: readonly CertificateSummary[];
  /** Document signer certificates (LDIF collections 001 and 003). */
  readonly dscs?: readonly CertificateSummary[];
  readonly crls?: readonly ParsedCrl[];
}

/** Options of `buildTrustStoreRows`. */
export interface RowOptions {
  /** The sync time, written to every `updated_at`. */
  readonly updatedAt: Date;
  /** The `source` column; default `icao-masterlist`. */
  readonly source?: string;
  /** Id generator; default `crypto.randomUUID` (UUID v4). */
  readonly newId?: () => string;
}

/** The `source` value the original system wrote. */
export const DEFAULT_SOURCE = "icao-masterlist";

function derKey(der: Uint8Array): string {
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("latin1");
}

function uniqueByDer<T>(items: readonly T[], der: (item: T) => Uint8Array): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = derKey(der(item));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Builds the rows of the four tables with the column formats the original system stored: certificates
 * and CRLs as their exact DER, SKI/AKI as lowercase hex, issuer as Python's RFC 4514 rendering, isn as
 * Python `hex()`. Certificates are deduplicated by DER within each table, CRLs by DER; each revoked entry
 * points at its CRL row and inherits its country.
 */
export function buildTrustStoreRows(content: TrustStoreContent, options: RowOptions): TrustStoreRows {
  const newId = options.newId ?? randomUUID;
  const source = options.source ?? DEFAULT_SOURCE;
  const updated_at = options.updatedAt;
  const certificateRow = (c: CertificateSummary): CertificateRow => ({
    id: newId(),
    certificate: c.der,
    subject_key_identifier: c.subjectKeyIdentifier,
    authority_key_identifier: c.authorityKeyIdentifier,
    issuer: c.issuer,
    x_500_issuer: c.issuerDer,
    source,
    isn: c.serialNumber,
    updated_at,
  });
  const crls: CrlRow[] = [];
  const revoked: RevokedCertificateRow[] = [];
  for (const crl of uniqueByDer(content.crls ?? [], (c) => c.der)) {
    const row: CrlRow = {
      id: newId(),
      crl: crl.der,
      source,
      issuer: crl.issuer,
      country: crl.country,
      updated_at,
    };
    crls.push(row);
    for (const entry of crl.revoked) {
      revoked.push({
        id: newId(),
        source,
        country: row.country,
        isn: entry.serialNumber,
        crl: row.id,
        revocation_reason: entry.reason,
        revocation_date: entry.revocationDate,
        updated_at,
      });
    }
  }
  return {
    root_ca: uniqueByDer(content.cscas ?? [], (c) => c.der).map(certificateRow),
    dsc: uniqueByDer(content.dscs ?? [], (c) => c.der).map(certificateRow),
    crls,
    revoked_certificate_list: revoked,
  };
}
