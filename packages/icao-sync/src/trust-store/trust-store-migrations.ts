import { databaseError, pgTransaction } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import type pg from "pg";

/** One schema change, applied once and recorded in `icao_sync_migrations`. */
interface Migration {
  readonly version: number;
  readonly description: string;
  readonly statements: readonly string[];
}

// Serializes migrations from several processes starting at once; any stable 64-bit number would do.
const MIGRATION_LOCK_KEY = "7308114215000001";

const migrations: readonly Migration[] = [
  {
    version: 1,
    description: "the four trust-store tables of cert-parser, and the sync log",
    statements: [
      // The tables exactly as the original system defined them (IF NOT EXISTS: an existing store is adopted).
      `CREATE TABLE IF NOT EXISTS root_ca (
        id                        UUID PRIMARY KEY,
        certificate               BYTEA NOT NULL,
        subject_key_identifier    TEXT,
        authority_key_identifier  TEXT,
        issuer                    TEXT,
        x_500_issuer              BYTEA,
        source                    TEXT,
        isn                       TEXT,
        updated_at                TIMESTAMP WITHOUT TIME ZONE
      )`,
      `CREATE TABLE IF NOT EXISTS dsc (
        id                        UUID PRIMARY KEY,
        certificate               BYTEA NOT NULL,
        subject_key_identifier    TEXT,
        authority_key_identifier  TEXT,
        issuer                    TEXT,
        x_500_issuer              BYTEA,
        source                    TEXT,
        isn                       TEXT,
        updated_at                TIMESTAMP WITHOUT TIME ZONE
      )`,
      `CREATE TABLE IF NOT EXISTS crls (
        id          UUID PRIMARY KEY,
        crl         BYTEA NOT NULL,
        source      TEXT,
        issuer      TEXT,
        country     TEXT,
        updated_at  TIMESTAMP WITHOUT TIME ZONE
      )`,
      `CREATE TABLE IF NOT EXISTS revoked_certificate_list (
        id                UUID PRIMARY KEY,
        source            TEXT,
        country           TEXT,
        isn               TEXT,
        crl               UUID REFERENCES crls(id),
        revocation_reason TEXT,
        revocation_date   TIMESTAMP WITHOUT TIME ZONE,
        updated_at        TIMESTAMP WITHOUT TIME ZONE
      )`,
      `CREATE TABLE IF NOT EXISTS icao_sync_log (
        id                             UUID PRIMARY KEY,
        started_at                     TIMESTAMP WITHOUT TIME ZONE NOT NULL,
        finished_at                    TIMESTAMP WITHOUT TIME ZONE NOT NULL,
        status                         TEXT NOT NULL CHECK (status IN ('replaced', 'unchanged', 'failed')),
        source                         TEXT,
        input_digest                   TEXT,
        root_ca_count                  INTEGER,
        dsc_count                      INTEGER,
        crls_count                     INTEGER,
        revoked_certificate_list_count INTEGER,
        duration_ms                    INTEGER NOT NULL,
        message                        TEXT
      )`,
      "CREATE INDEX IF NOT EXISTS icao_sync_log_finished_at ON icao_sync_log (finished_at DESC)",
    ],
  },
  {
    version: 2,
    description: "icao_sync_provenance: where each stored root_ca, dsc and crls row came from",
    statements: [
      // Beside the four seed tables, which stay exactly as they are; replaced in the same transaction.
      `CREATE TABLE IF NOT EXISTS icao_sync_provenance (
        table_name        TEXT NOT NULL CHECK (table_name IN ('root_ca', 'dsc', 'crls')),
        row_id            UUID NOT NULL,
        source            TEXT,
        collection        TEXT CHECK (collection IN ('ml', '001', '002', '003', 'crl-file')),
        status            TEXT CHECK (status IN ('anchor', 'verified', 'unverifiable', 'stale')),
        conformance_code  TEXT,
        conformance_text  TEXT,
        pkd_version       INTEGER,
        detail            TEXT,
        PRIMARY KEY (table_name, row_id)
      )`,
    ],
  },
  {
    version: 3,
    description: "icao_sync_history and icao_sync_change: what each sync changed, per table and country",
    statements: [
      `CREATE TABLE IF NOT EXISTS icao_sync_history (
        sync_id      UUID PRIMARY KEY,
        recorded_at  TIMESTAMP WITHOUT TIME ZONE NOT NULL,
        first_sync   BOOLEAN NOT NULL
      )`,
      "CREATE INDEX IF NOT EXISTS icao_sync_history_recorded_at ON icao_sync_history (recorded_at DESC)",
      // One row per table and country with any change; entries: the first few identities of each change.
      `CREATE TABLE IF NOT EXISTS icao_sync_change (
        sync_id     UUID NOT NULL REFERENCES icao_sync_history (sync_id) ON DELETE CASCADE,
        table_name  TEXT NOT NULL CHECK (table_name IN ('root_ca', 'dsc', 'crls', 'revoked_certificate_list')),
        country     TEXT,
        added       INTEGER NOT NULL,
        removed     INTEGER NOT NULL,
        replaced    INTEGER NOT NULL,
        entries     JSONB NOT NULL
      )`,
      "CREATE INDEX IF NOT EXISTS icao_sync_change_sync_id ON icao_sync_change (sync_id)",
    ],
  },
  {
    version: 4,
    description: "deviation_list (ICAO 9303-12 deviation lists), and operator CSCAs in icao_sync_provenance",
    statements: [
      // One row per deviation and description; the affected documents by DSC or by document range.
      `CREATE TABLE IF NOT EXISTS deviation_list (
        id                          UUID PRIMARY KEY,
        list_digest                 TEXT NOT NULL,
        source                      TEXT,
        status                      TEXT NOT NULL CHECK (status IN ('verified', 'unverifiable')),
        country                     TEXT,
        signer_subject              TEXT,
        signer_issuer               TEXT,
        signer_isn                  TEXT,
        signing_time                TIMESTAMP WITHOUT TIME ZONE,
        document_type               TEXT,
        dsc_issuer                  TEXT,
        dsc_x_500_issuer            BYTEA,
        dsc_isn                     TEXT,
        dsc_subject_key_identifier  TEXT,
        dsc_certificate_digest      TEXT,
        digest_algorithm            TEXT,
        issued_from                 TIMESTAMP WITHOUT TIME ZONE,
        issued_to                   TIMESTAMP WITHOUT TIME ZONE,
        document_numbers            TEXT[],
        deviation_type              TEXT NOT NULL,
        description                 TEXT,
        parameters                  BYTEA,
        national_use                BYTEA,
        updated_at                  TIMESTAMP WITHOUT TIME ZONE
      )`,
      "CREATE INDEX IF NOT EXISTS deviation_list_dsc_isn ON deviation_list (dsc_isn)",
      "CREATE INDEX IF NOT EXISTS deviation_list_dsc_ski ON deviation_list (dsc_subject_key_identifier)",
      // CSCAs the operator adds with --csca: collection csca-file, status operator.
      "ALTER TABLE icao_sync_provenance DROP CONSTRAINT IF EXISTS icao_sync_provenance_collection_check",
      `ALTER TABLE icao_sync_provenance ADD CONSTRAINT icao_sync_provenance_collection_check
        CHECK (collection IN ('ml', '001', '002', '003', 'crl-file', 'csca-file'))`,
      "ALTER TABLE icao_sync_provenance DROP CONSTRAINT IF EXISTS icao_sync_provenance_status_check",
      `ALTER TABLE icao_sync_provenance ADD CONSTRAINT icao_sync_provenance_status_check
        CHECK (status IN ('anchor', 'verified', 'unverifiable', 'stale', 'operator'))`,
    ],
  },
];

/** The migration versions known to this version of the library. */
export const TRUST_STORE_SCHEMA_VERSION = migrations.length;

function timestamp(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}

/**
 * Creates or updates the trust-store schema: the four tables of the original system (`root_ca`, `dsc`,
 * `crls`, `revoked_certificate_list`, same names, columns and types), the sync log and the provenance table. Safe to run on every
 * start and from several processes at once (an advisory lock serializes them); each migration runs once.
 * Returns the versions it applied (empty when the schema was current). Failures are DATABASE_ERRORs.
 */
export async function migrateTrustStore(
  pool: pg.Pool,
  options: { readonly clock?: () => Date } = {},
): Promise<Result<{ readonly applied: readonly number[] }>> {
  const clock = options.clock ?? (() => new Date());
  const migrated = await pgTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [MIGRATION_LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS icao_sync_migrations (
        version     INTEGER PRIMARY KEY,
        description TEXT NOT NULL,
        applied_at  TIMESTAMP WITHOUT TIME ZONE NOT NULL
      )`,
    );
    const done = await client.query<{ version: number }>("SELECT version FROM icao_sync_migrations");
    const appliedBefore = new Set(done.rows.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (appliedBefore.has(migration.version)) continue;
      for (const statement of migration.statements) await client.query(statement);
      await client.query(
        "INSERT INTO icao_sync_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
        [migration.version, migration.description, timestamp(clock())],
      );
      applied.push(migration.version);
    }
    return ok({ applied });
  });
  if (migrated.ok) return migrated;
  // The driver's own error, so the message reads as before: what failed, then the server's words.
  return err(
    databaseError(
      migrated.error.cause ?? migrated.error,
      "Migrating the trust-store schema failed and nothing was changed",
    ),
  );
}
