import { createHash } from "node:crypto";
import { databaseError } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import type pg from "pg";

/** A row of `deviation_list`: one deviation description of one deviation of a stored deviation list. */
export interface DeviationListRow {
  readonly id: string;
  /** Lowercase hex SHA-256 of the deviation list's DER. */
  readonly list_digest: string;
  /** The input it came from (path, URL without credentials, or name). */
  readonly source: string;
  /** `verified`: its signer is a Deviation List Signer of a trusted CSCA; `unverifiable`: stored with verification off. */
  readonly status: "verified" | "unverifiable";
  /** The `C` of the signer's issuer (the CSCA), upper-cased. */
  readonly country: string | null;
  readonly signer_subject: string | null;
  readonly signer_issuer: string | null;
  readonly signer_isn: string | null;
  readonly signing_time: Date | null;
  readonly document_type: string | null;
  /** The affected DSC by issuerAndSerialNumber (RFC 4514 as in `dsc.issuer`, its DER, `isn` format). */
  readonly dsc_issuer: string | null;
  readonly dsc_x_500_issuer: Uint8Array | null;
  readonly dsc_isn: string | null;
  /** The affected DSC by subjectKeyIdentifier (lowercase hex). */
  readonly dsc_subject_key_identifier: string | null;
  /** The affected DSC by certificate digest (lowercase hex, under `digest_algorithm`). */
  readonly dsc_certificate_digest: string | null;
  /** The list's digestAlgorithm OID. */
  readonly digest_algorithm: string | null;
  readonly issued_from: Date | null;
  readonly issued_to: Date | null;
  readonly document_numbers: readonly string[] | null;
  /** The deviation OID (the defect), e.g. `2.23.136.1.1.7.1.1`. */
  readonly deviation_type: string;
  readonly description: string | null;
  /** DER of the deviation's parameters. */
  readonly parameters: Uint8Array | null;
  readonly national_use: Uint8Array | null;
  readonly updated_at: Date;
}

const COLUMNS = [
  "id",
  "list_digest",
  "source",
  "status",
  "country",
  "signer_subject",
  "signer_issuer",
  "signer_isn",
  "signing_time",
  "document_type",
  "dsc_issuer",
  "dsc_x_500_issuer",
  "dsc_isn",
  "dsc_subject_key_identifier",
  "dsc_certificate_digest",
  "digest_algorithm",
  "issued_from",
  "issued_to",
  "document_numbers",
  "deviation_type",
  "description",
  "parameters",
  "national_use",
  "updated_at",
] as const satisfies readonly (keyof DeviationListRow)[];

/** Rows per INSERT: deviation lists are small, and 24 columns keep a statement far below 65,535 parameters. */
const ROWS_PER_INSERT = 500;

function timestamp(date: Date | null): string | null {
  // TIMESTAMP WITHOUT TIME ZONE holds UTC here, as in the other tables.
  return date === null ? null : date.toISOString().replace("T", " ").replace("Z", "");
}

function value(row: DeviationListRow, column: (typeof COLUMNS)[number]): unknown {
  const v = row[column];
  if (v instanceof Date) return timestamp(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return [...(v as readonly string[])];
  return v;
}

/** Inserts deviation list rows on the given client (inside the replace transaction); throws on a database error. */
export async function insertDeviationListRows(
  client: pg.PoolClient,
  rows: readonly DeviationListRow[],
): Promise<void> {
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
    const chunk = rows.slice(at, at + ROWS_PER_INSERT);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const marks = COLUMNS.map((column) => {
        params.push(value(row, column));
        return `$${params.length}`;
      });
      return `(${marks.join(", ")})`;
    });
    await client.query(
      `INSERT INTO deviation_list (${COLUMNS.join(", ")}) VALUES ${tuples.join(", ")}`,
      params,
    );
  }
}

/** A certificate to look up in the stored deviation lists. */
export interface DeviationQuery {
  /** The certificate's issuer as RFC 4514 (as `dsc.issuer`). */
  readonly issuer: string;
  /** As `dsc.isn` writes it. */
  readonly serialNumber: string;
  readonly subjectKeyIdentifier: string | null;
  /** The certificate's DER, to match deviations that name it by digest. */
  readonly der?: Uint8Array;
}

/** A stored deviation that concerns a certificate, as `check` reports it. */
export interface DeviationMatch {
  /** The deviation OID (the defect). */
  readonly deviationType: string;
  readonly description: string | null;
  /** Lowercase hex of the parameters' DER, or null. */
  readonly parameters: string | null;
  /** How the deviation named the certificate. */
  readonly matchedBy: "issuerAndSerialNumber" | "subjectKeyIdentifier" | "certificateDigest";
  readonly documentType: string | null;
  /** ISO 8601 UTC, or null: further criteria the document itself must meet. */
  readonly issuedFrom: string | null;
  readonly issuedTo: string | null;
  readonly documentNumbers: readonly string[] | null;
  readonly country: string | null;
  readonly source: string | null;
  readonly listDigest: string;
}

const DIGEST_ALGORITHMS: Readonly<Record<string, string>> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.4": "sha224",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

/**
 * The stored deviations whose affected DSC is `certificate`: named by issuer and serial number (issuer
 * compared case-insensitively), by subjectKeyIdentifier, or by its digest. DATABASE_ERROR on failure.
 */
export async function findDeviations(
  db: pg.Pool | pg.PoolClient,
  certificate: DeviationQuery,
): Promise<Result<DeviationMatch[]>> {
  const digests =
    certificate.der === undefined
      ? []
      : Object.entries(DIGEST_ALGORITHMS).map(([oid, name]) => ({
          oid,
          hex: createHash(name)
            .update(certificate.der as Uint8Array)
            .digest("hex"),
        }));
  try {
    const result = await db.query<{
      deviation_type: string;
      description: string | null;
      parameters: Buffer | null;
      dsc_isn: string | null;
      dsc_subject_key_identifier: string | null;
      dsc_certificate_digest: string | null;
      document_type: string | null;
      issued_from: string | null;
      issued_to: string | null;
      document_numbers: string[] | null;
      country: string | null;
      source: string | null;
      list_digest: string;
    }>(
      `SELECT deviation_type, description, parameters, dsc_isn, dsc_subject_key_identifier, dsc_certificate_digest,
              document_type, to_char(issued_from, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS issued_from,
              to_char(issued_to, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS issued_to, document_numbers, country, source,
              list_digest
       FROM deviation_list
       WHERE (dsc_isn = $1 AND lower(dsc_issuer) = lower($2))
          OR ($3::text IS NOT NULL AND dsc_subject_key_identifier = $3)
          OR (dsc_certificate_digest IS NOT NULL AND (coalesce(digest_algorithm, '') || ':' || dsc_certificate_digest) = ANY($4::text[]))
       ORDER BY list_digest, deviation_type`,
      [
        certificate.serialNumber,
        certificate.issuer,
        certificate.subjectKeyIdentifier,
        // A list without digestAlgorithm: SHA-256 assumed, as 9303-12 lists use.
        [
          ...digests.map((d) => `${d.oid}:${d.hex}`),
          ...digests.filter((d) => d.oid.endsWith(".2.1")).map((d) => `:${d.hex}`),
        ],
      ],
    );
    return ok(
      result.rows.map((r) => ({
        deviationType: r.deviation_type,
        description: r.description,
        parameters: r.parameters === null ? null : r.parameters.toString("hex"),
        matchedBy:
          r.dsc_isn !== null
            ? "issuerAndSerialNumber"
            : r.dsc_subject_key_identifier !== null
              ? "subjectKeyIdentifier"
              : "certificateDigest",
        documentType: r.document_type,
        issuedFrom: r.issued_from,
        issuedTo: r.issued_to,
        documentNumbers: r.document_numbers,
        country: r.country,
        source: r.source,
        listDigest: r.list_digest,
      })),
    );
  } catch (error) {
    return err(databaseError(error, "Reading the stored deviation lists failed"));
  }
}
