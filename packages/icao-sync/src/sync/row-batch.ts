import type { CertificateSummary } from "../parse/certificate-summary.js";
import type { ParsedCrl } from "../parse/crl.js";
import type { TableCounts } from "../trust-store/trust-store-repository.js";
import {
  type CertificateRow,
  type CrlRow,
  type Provenance,
  type ProvenanceRow,
  provenanceRow,
  type RevokedCertificateRow,
  type TrustStoreRowBuilder,
  type TrustStoreRows,
} from "../trust-store/trust-store-rows.js";

/**
 * Rows waiting to be sent, table by table, each stored row with its `icao_sync_provenance` row. Deduplicates
 * through the builder, so a certificate or CRL several inputs carry is stored (and its provenance recorded)
 * once, as the first input that carried it says.
 */
export class RowBatch {
  private root_ca: CertificateRow[] = [];
  private dsc: CertificateRow[] = [];
  private crls: CrlRow[] = [];
  private revoked: RevokedCertificateRow[] = [];
  private provenance: ProvenanceRow[] = [];
  /** Rows held, provenance included: when to send the batch. */
  size = 0;
  /** Rows added per table since the start, over every `take`. */
  readonly counts = { root_ca: 0, dsc: 0, crls: 0, revoked_certificate_list: 0 };

  constructor(private readonly builder: TrustStoreRowBuilder) {}

  /** Whether `der` is new to `table` (and from now on known to it), for callers that deduplicate first. */
  isNew(table: "root_ca" | "dsc", der: Uint8Array): boolean {
    return this.builder.isNew(table, der);
  }

  /** Adds a certificate unless the table already has its DER; true when it was added. */
  certificate(table: "root_ca" | "dsc", certificate: CertificateSummary, provenance: Provenance): boolean {
    if (!this.builder.isNew(table, certificate.der)) return false;
    this.knownNewCertificate(table, certificate, provenance);
    return true;
  }

  /** Adds a certificate whose DER the builder has already been asked about (`isNew` said true). */
  knownNewCertificate(
    table: "root_ca" | "dsc",
    certificate: CertificateSummary,
    provenance: Provenance,
  ): void {
    const row = this.builder.certificate(certificate);
    this[table].push(row);
    this.provenance.push(provenanceRow(table, row.id, provenance));
    this.counts[table] += 1;
    this.size += 2;
  }

  /** Adds a CRL and its revoked entries unless the same CRL was added before; true when it was added. */
  crl(crl: ParsedCrl, provenance: Provenance): boolean {
    const rows = this.builder.crl(crl);
    if (rows === null) return false;
    this.crls.push(rows.crl);
    this.provenance.push(provenanceRow("crls", rows.crl.id, provenance));
    for (const entry of rows.revoked) this.revoked.push(entry);
    this.counts.crls += 1;
    this.counts.revoked_certificate_list += rows.revoked.length;
    this.size += 2 + rows.revoked.length;
    return true;
  }

  /** The counts so far, as a sync reports them. */
  tableCounts(): TableCounts {
    return { ...this.counts };
  }

  /** The rows held (parents before children when written in table order), and empties the batch. */
  take(): TrustStoreRows {
    const rows = {
      root_ca: this.root_ca,
      dsc: this.dsc,
      crls: this.crls,
      revoked_certificate_list: this.revoked,
      icao_sync_provenance: this.provenance,
    };
    this.root_ca = [];
    this.dsc = [];
    this.crls = [];
    this.revoked = [];
    this.provenance = [];
    this.size = 0;
    return rows;
  }
}
