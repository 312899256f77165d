import { ok, type Result } from "@certs/result";
import { DEFAULT_SOURCE } from "../trust-store/trust-store-rows.js";
import type { SyncInput } from "./sync-input.js";
import { type CollectOptions, collectSources, type SourceReport } from "./source-collection.js";
import type { VerificationReport } from "./verification-report.js";
import type { DeviationListRow } from "../trust-store/deviation-list-store.js";

/** A `root_ca` or `dsc` row as JSON: byte columns as lowercase hex, timestamps as ISO 8601 UTC. */
export interface CertificateRowJson {
  readonly id: string;
  readonly certificate: string;
  readonly subject_key_identifier: string | null;
  readonly authority_key_identifier: string | null;
  readonly issuer: string;
  readonly x_500_issuer: string;
  readonly source: string;
  readonly isn: string;
  readonly updated_at: string;
}

/** A `crls` row as JSON. */
export interface CrlRowJson {
  readonly id: string;
  readonly crl: string;
  readonly source: string;
  readonly issuer: string;
  readonly country: string | null;
  readonly updated_at: string;
}

/** A `revoked_certificate_list` row as JSON; `crl` is the id of its `crls` row. */
export interface RevokedCertificateRowJson {
  readonly id: string;
  readonly source: string;
  readonly country: string | null;
  readonly isn: string;
  readonly crl: string;
  readonly revocation_reason: string | null;
  readonly revocation_date: string;
  readonly updated_at: string;
}

/** An `icao_sync_provenance` row as JSON; `row_id` is the `id` of the row it describes. */
export interface ProvenanceRowJson {
  readonly table_name: "root_ca" | "dsc" | "crls";
  readonly row_id: string;
  readonly source: string;
  readonly collection: string;
  readonly status: string;
  readonly conformance_code: string | null;
  readonly conformance_text: string | null;
  readonly pkd_version: number | null;
  readonly detail: string | null;
}

/** A `deviation_list` row as JSON: byte columns as lowercase hex, timestamps as ISO 8601 UTC. */
export type DeviationListRowJson = {
  readonly [K in keyof DeviationListRow]: DeviationListRow[K] extends Uint8Array | null
    ? string | null
    : DeviationListRow[K] extends Date | null
      ? DeviationListRow[K] extends Date
        ? string
        : string | null
      : DeviationListRow[K];
};

/** Exactly what a sync of the same sources would store, table by table, and how the lists verified. */
export interface InspectReport {
  readonly root_ca: readonly CertificateRowJson[];
  readonly dsc: readonly CertificateRowJson[];
  readonly crls: readonly CrlRowJson[];
  readonly revoked_certificate_list: readonly RevokedCertificateRowJson[];
  readonly icao_sync_provenance: readonly ProvenanceRowJson[];
  readonly deviation_list: readonly DeviationListRowJson[];
  readonly verification: VerificationReport;
  readonly sources: readonly SourceReport[];
}

/** Options of `inspectSources`. */
export interface InspectOptions extends CollectOptions {
  /** The `source` column; default `icao-masterlist`. */
  readonly sourceLabel?: string;
  /** The time written to `updated_at`; default the system clock. */
  readonly clock?: () => Date;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * Reads, parses and verifies the sources as `syncTrustStore` does and returns the rows it would store, named
 * by their database columns and ready for `JSON.stringify`. Touches no database. The same failures as a
 * sync: PARSE_ERROR, SIGNATURE_ERROR, FILE_ERROR; an empty result is not an error here.
 */
export async function inspectSources(
  input: SyncInput,
  options: InspectOptions = {},
): Promise<Result<InspectReport>> {
  const updatedAt = (options.clock ?? (() => new Date()))();
  const collected = await collectSources(input, options, {
    ldif: "parse",
    rows: { updatedAt, source: options.sourceLabel ?? DEFAULT_SOURCE },
  });
  if (!collected.ok) return collected;
  const { intake } = collected.value;
  const rows = intake.batch.take();
  const certificate = (row: (typeof rows.root_ca)[number]): CertificateRowJson => ({
    id: row.id,
    certificate: hex(row.certificate),
    subject_key_identifier: row.subject_key_identifier,
    authority_key_identifier: row.authority_key_identifier,
    issuer: row.issuer,
    x_500_issuer: hex(row.x_500_issuer),
    source: row.source,
    isn: row.isn,
    updated_at: row.updated_at.toISOString(),
  });
  return ok({
    root_ca: rows.root_ca.map(certificate),
    dsc: rows.dsc.map(certificate),
    crls: rows.crls.map((row) => ({
      id: row.id,
      crl: hex(row.crl),
      source: row.source,
      issuer: row.issuer,
      country: row.country,
      updated_at: row.updated_at.toISOString(),
    })),
    revoked_certificate_list: rows.revoked_certificate_list.map((row) => ({
      id: row.id,
      source: row.source,
      country: row.country,
      isn: row.isn,
      crl: row.crl,
      revocation_reason: row.revocation_reason,
      revocation_date: row.revocation_date.toISOString(),
      updated_at: row.updated_at.toISOString(),
    })),
    icao_sync_provenance: (rows.icao_sync_provenance ?? []).map((row) => ({ ...row })),
    deviation_list: intake.deviationRows.map((row) => ({
      ...row,
      signing_time: row.signing_time?.toISOString() ?? null,
      dsc_x_500_issuer: row.dsc_x_500_issuer === null ? null : hex(row.dsc_x_500_issuer),
      issued_from: row.issued_from?.toISOString() ?? null,
      issued_to: row.issued_to?.toISOString() ?? null,
      parameters: row.parameters === null ? null : hex(row.parameters),
      national_use: row.national_use === null ? null : hex(row.national_use),
      updated_at: row.updated_at.toISOString(),
    })),
    verification: intake.report(options.verify ?? true),
    sources: collected.value.sources,
  });
}
