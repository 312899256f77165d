import { EntitySchema } from "typeorm";

/** One row of the `certs` table, as read: BIGINT columns as decimal strings so no digit is lost. */
export interface CertRow {
  readonly id: string;
  /** One `get-entries` element as JSON text, kept byte for byte. */
  readonly ct_entry: string;
  readonly ct_log_url: string;
  readonly log_name: string;
  readonly worker_name: string;
  readonly ct_index: string;
  /** Null when the row has none, or when the table has no `ip_address` column (production has none). */
  readonly ip_address: string | null;
}

/**
 * The `certs` table for TypeORM, with explicit column types (no decorator metadata needed) valid on
 * MySQL/MariaDB and PostgreSQL. Register it in your DataSource's `entities`. `ip_address` is declared
 * nullable; the exporter checks which columns the real table has and selects only those.
 */
export function certEntity(tableName = "certs"): EntitySchema<CertRow> {
  return new EntitySchema<CertRow>({
    name: tableName === "certs" ? "Cert" : `Cert_${tableName}`,
    tableName,
    columns: {
      id: { type: "bigint", primary: true, generated: "increment" },
      ct_entry: { type: "text" },
      ct_log_url: { type: "varchar", length: 255 },
      log_name: { type: "varchar", length: 255 },
      worker_name: { type: "varchar", length: 255 },
      ct_index: { type: "bigint" },
      ip_address: { type: "varchar", length: 64, nullable: true },
    },
  });
}

/** The entity for the production table name, `certs`. */
export const CertEntity: EntitySchema<CertRow> = certEntity();
