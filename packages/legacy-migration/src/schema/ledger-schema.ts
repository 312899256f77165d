import { databaseError, sqlDialect, type SqlDialect } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import { EntitySchema, type DataSource } from "typeorm";

/** Table names the migration owns in the destination database. */
export const LEDGER_TABLES = Object.freeze({
  /** One row per migrated legacy certificate: the truth about what is done. */
  ledger: "legacy_migration_ledger",
  /** The last failure of each legacy certificate not yet migrated (what `retryFailed` selects). */
  failures: "legacy_migration_failures",
  /** One row per technician the migration created, keyed by email and dealer: makes creation race-free. */
  technicianClaims: "legacy_migration_technician_claims",
});

/** A ledger row: legacy certificate id → what the migration (or the old tool, `source = 'imported'`) made. */
export interface LedgerRow {
  legacy_certificate_id: number;
  new_certificate_id: number | null;
  vehicle_id: string | null;
  device_id: string | null;
  customer_id: string | null;
  dealer_id: string | null;
  technician_id: string | null;
  source: string;
  run_id: string;
  migrated_at: string;
}

/** A failure row: the last error of a legacy certificate that is not migrated yet. */
export interface FailureRow {
  legacy_certificate_id: number;
  run_id: string;
  error_code: string;
  step: string;
  message: string;
  failed_at: string;
}

/** A technician-claim row: the technician created for an email and dealer. */
export interface TechnicianClaimRow {
  email: string;
  dealer_id: string;
  technician_id: string | null;
  user_id: string;
  old_technician_id: number;
  run_id: string;
  created_at: string;
}

/** The migration's own tables, as TypeORM entities (for reading them; {@link ensureLedgerTables} creates them). */
export interface LedgerEntitySchemas {
  readonly ledger: EntitySchema<LedgerRow>;
  readonly failures: EntitySchema<FailureRow>;
  readonly technicianClaims: EntitySchema<TechnicianClaimRow>;
}

/** TypeORM entities of the migration's own tables in the destination database. */
export function ledgerEntitySchemas(dialect: SqlDialect): LedgerEntitySchemas {
  const time = dialect === "mysql" ? "datetime" : "timestamp";
  return {
    ledger: new EntitySchema<LedgerRow>({
      name: "LegacyMigrationLedger",
      tableName: LEDGER_TABLES.ledger,
      columns: {
        legacy_certificate_id: { type: "int", primary: true },
        new_certificate_id: { type: "int", nullable: true },
        vehicle_id: { type: "bigint", nullable: true },
        device_id: { type: "bigint", nullable: true },
        customer_id: { type: "bigint", nullable: true },
        dealer_id: { type: "bigint", nullable: true },
        technician_id: { type: "bigint", nullable: true },
        source: { type: "varchar", length: 16 },
        run_id: { type: "varchar", length: 64 },
        migrated_at: { type: time },
      },
    }),
    failures: new EntitySchema<FailureRow>({
      name: "LegacyMigrationFailure",
      tableName: LEDGER_TABLES.failures,
      columns: {
        legacy_certificate_id: { type: "int", primary: true },
        run_id: { type: "varchar", length: 64 },
        error_code: { type: "varchar", length: 64 },
        step: { type: "varchar", length: 64 },
        message: { type: "text" },
        failed_at: { type: time },
      },
    }),
    technicianClaims: new EntitySchema<TechnicianClaimRow>({
      name: "LegacyMigrationTechnicianClaim",
      tableName: LEDGER_TABLES.technicianClaims,
      columns: {
        email: { type: "varchar", length: 255, primary: true },
        dealer_id: { type: "bigint", primary: true },
        technician_id: { type: "bigint", nullable: true },
        user_id: { type: "bigint" },
        old_technician_id: { type: "int" },
        run_id: { type: "varchar", length: 64 },
        created_at: { type: time },
      },
    }),
  };
}

function ledgerDdl(dialect: SqlDialect): string[] {
  const time = dialect === "mysql" ? "DATETIME" : "TIMESTAMP";
  // InnoDB needs the engine spelled out on servers whose default is something else.
  const suffix = dialect === "mysql" ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" : "";
  // Verification looks ledger rows up by certificate (PostgreSQL gets the index in ensureLedgerTables).
  const ledgerIndex =
    dialect === "mysql" ? ",\n      INDEX legacy_migration_ledger_new_certificate (new_certificate_id)" : "";
  return [
    `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLES.ledger} (
      legacy_certificate_id INT NOT NULL PRIMARY KEY,
      new_certificate_id INT NULL,
      vehicle_id BIGINT NULL,
      device_id BIGINT NULL,
      customer_id BIGINT NULL,
      dealer_id BIGINT NULL,
      technician_id BIGINT NULL,
      source VARCHAR(16) NOT NULL,
      run_id VARCHAR(64) NOT NULL,
      migrated_at ${time} NOT NULL${ledgerIndex}
    )${suffix}`,
    `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLES.failures} (
      legacy_certificate_id INT NOT NULL PRIMARY KEY,
      run_id VARCHAR(64) NOT NULL,
      error_code VARCHAR(64) NOT NULL,
      step VARCHAR(64) NOT NULL,
      message TEXT NOT NULL,
      failed_at ${time} NOT NULL
    )${suffix}`,
    `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLES.technicianClaims} (
      email VARCHAR(255) NOT NULL,
      dealer_id BIGINT NOT NULL,
      technician_id BIGINT NULL,
      user_id BIGINT NOT NULL,
      old_technician_id INT NOT NULL,
      run_id VARCHAR(64) NOT NULL,
      created_at ${time} NOT NULL,
      PRIMARY KEY (email, dealer_id)
    )${suffix}`,
  ];
}

/**
 * Creates the migration's own tables in the destination database when they do not exist yet (never alters
 * or drops anything). Safe to call from several processes at once.
 */
export async function ensureLedgerTables(destination: DataSource): Promise<Result<void>> {
  const dialect = sqlDialect(destination);
  if (!dialect.ok) return dialect;
  try {
    for (const statement of ledgerDdl(dialect.value)) await destination.query(statement);
    if (dialect.value === "postgres") {
      // Only speeds up verification's ledger lookups by certificate; two runs creating it at once may race.
      await destination
        .query(
          `CREATE INDEX IF NOT EXISTS legacy_migration_ledger_new_certificate ON ${LEDGER_TABLES.ledger} (new_certificate_id)`,
        )
        .catch(() => undefined);
    }
    return ok(undefined);
  } catch (error) {
    return err(
      databaseError(error, "could not create the migration ledger tables in the destination database"),
    );
  }
}
