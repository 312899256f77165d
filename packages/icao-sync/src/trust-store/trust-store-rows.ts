import { hash, randomUUID } from "node:crypto";
import type { CertificateSummary } from "../parse/certificate-summary.js";
import type { ParsedCrl, RevocationReason } from "../parse/crl.js";

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

/** Where a stored row came from: the PKD collection, or `ml` (a master list file) and `crl-file`. */
export type ProvenanceCollection = "ml" | "001" | "002" | "003" | "crl-file" | "csca-file";

/**
 * How a stored row was established: `anchor` (a configured trust anchor), `verified` (a signature chain to
 * the anchors covers it), `unverifiable` (stored unverified because the operator asked for it), `stale` (a
 * verified CRL past its nextUpdate), `operator` (a CSCA the operator added, `csca-file`).
 */
export type ProvenanceStatus = "anchor" | "verified" | "unverifiable" | "stale" | "operator";

/** What `icao_sync_provenance` records about one stored row, before the row has an id. */
export interface Provenance {
  /** The input it came from (path, URL without credentials, or name), and the LDIF entry or part. */
  readonly source: string;
  readonly collection: ProvenanceCollection;
  readonly status: ProvenanceStatus;
  /** Collection 003's `pkdConformanceCode` values, one per line; null elsewhere. */
  readonly conformanceCode?: string | null;
  /** Collection 003's `pkdConformanceText` values, one per line; null elsewhere. */
  readonly conformanceText?: string | null;
  readonly pkdVersion?: number | null;
  /** Why the status holds, e.g. the CSCA that verified a DSC. */
  readonly detail?: string | null;
}

/** A row of `icao_sync_provenance`: one per stored `root_ca`, `dsc` and `crls` row. */
export interface ProvenanceRow {
  readonly table_name: "root_ca" | "dsc" | "crls";
  readonly row_id: string;
  readonly source: string;
  readonly collection: ProvenanceCollection;
  readonly status: ProvenanceStatus;
  readonly conformance_code: string | null;
  readonly conformance_text: string | null;
  readonly pkd_version: number | null;
  readonly detail: string | null;
}

/** The provenance row of a stored row. */
export function provenanceRow(
  table: ProvenanceRow["table_name"],
  rowId: string,
  provenance: Provenance,
): ProvenanceRow {
  return {
    table_name: table,
    row_id: rowId,
    source: provenance.source,
    collection: provenance.collection,
    status: provenance.status,
    conformance_code: provenance.conformanceCode ?? null,
    conformance_text: provenance.conformanceText ?? null,
    pkd_version: provenance.pkdVersion ?? null,
    detail: provenance.detail ?? null,
  };
}

/** Everything one sync writes, table by table. */
export interface TrustStoreRows {
  readonly root_ca: readonly CertificateRow[];
  readonly dsc: readonly CertificateRow[];
  readonly crls: readonly CrlRow[];
  readonly revoked_certificate_list: readonly RevokedCertificateRow[];
  /** Where each stored row came from; a replace without it leaves `icao_sync_provenance` empty. */
  readonly icao_sync_provenance?: readonly ProvenanceRow[];
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

/**
 * Turns parsed certificates and CRLs into rows one at a time, as a streamed sync reads them: deduplicates by
 * DER within each table through a set of SHA-256 digests (not the DER itself, so memory stays small) and
 * hands out the ids. The same rules as `buildTrustStoreRows`, which uses it.
 */
export class TrustStoreRowBuilder {
  private readonly newId: () => string;
  private readonly source: string;
  private readonly updatedAt: Date;
  private readonly seen = { root_ca: new Set<string>(), dsc: new Set<string>(), crls: new Set<string>() };

  constructor(options: RowOptions) {
    this.newId = options.newId ?? randomUUID;
    this.source = options.source ?? DEFAULT_SOURCE;
    this.updatedAt = options.updatedAt;
  }

  /** Whether `der` is new to `table` (and from now on known to it). */
  isNew(table: "root_ca" | "dsc" | "crls", der: Uint8Array): boolean {
    const seen = this.seen[table];
    const key = hash("sha256", der, "base64");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }

  /** The row of a certificate already known to be new to its table. */
  certificate(c: CertificateSummary): CertificateRow {
    return {
      id: this.newId(),
      certificate: c.der,
      subject_key_identifier: c.subjectKeyIdentifier,
      authority_key_identifier: c.authorityKeyIdentifier,
      issuer: c.issuer,
      x_500_issuer: c.issuerDer,
      source: this.source,
      isn: c.serialNumber,
      updated_at: this.updatedAt,
    };
  }

  /** The rows of a CRL and its revoked entries, or null when the same CRL was seen before. */
  crl(crl: ParsedCrl): { readonly crl: CrlRow; readonly revoked: RevokedCertificateRow[] } | null {
    if (!this.isNew("crls", crl.der)) return null;
    const row: CrlRow = {
      id: this.newId(),
      crl: crl.der,
      source: this.source,
      issuer: crl.issuer,
      country: crl.country,
      updated_at: this.updatedAt,
    };
    const revoked = crl.revoked.map((entry): RevokedCertificateRow => ({
      id: this.newId(),
      source: this.source,
      country: row.country,
      isn: entry.serialNumber,
      crl: row.id,
      revocation_reason: entry.reason,
      revocation_date: entry.revocationDate,
      updated_at: this.updatedAt,
    }));
    return { crl: row, revoked };
  }
}

/**
 * Builds the rows of the four tables with the column formats the original system stored: certificates
 * and CRLs as their exact DER, SKI/AKI as lowercase hex, issuer as Python's RFC 4514 rendering, isn as
 * Python `hex()`. Certificates are deduplicated by DER within each table, CRLs by DER; each revoked entry
 * points at its CRL row and inherits its country.
 */
export function buildTrustStoreRows(content: TrustStoreContent, options: RowOptions): TrustStoreRows {
  const builder = new TrustStoreRowBuilder(options);
  const crls: CrlRow[] = [];
  const revoked: RevokedCertificateRow[] = [];
  for (const crl of content.crls ?? []) {
    const rows = builder.crl(crl);
    if (rows === null) continue;
    crls.push(rows.crl);
    for (const entry of rows.revoked) revoked.push(entry);
  }
  const certificates = (table: "root_ca" | "dsc", items: readonly CertificateSummary[]) =>
    items.filter((c) => builder.isNew(table, c.der)).map((c) => builder.certificate(c));
  return {
    root_ca: certificates("root_ca", content.cscas ?? []),
    dsc: certificates("dsc", content.dscs ?? []),
    crls,
    revoked_certificate_list: revoked,
  };
}
