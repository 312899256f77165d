import { databaseError, sqlDialect } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import { DataSource, type EntitySchema } from "typeorm";
import { destinationEntitySchemas } from "../schema/destination-schema.js";
import { legacyEntitySchemas, type LegacyDateStorage } from "../schema/legacy-schema.js";
import { ensureLedgerTables } from "../schema/ledger-schema.js";

/**
 * Creates the tables of `entities` in the database `dataSource` points at, through a short-lived DataSource
 * with the same connection options and TypeORM's schema synchronisation. Only for throwaway databases.
 */
async function synchronizeTables(
  dataSource: DataSource,
  entities: EntitySchema[],
  what: string,
): Promise<Result<void>> {
  const scratch = new DataSource({ ...dataSource.options, entities, synchronize: false, migrations: [] });
  try {
    await scratch.initialize();
    await scratch.synchronize();
    return ok(undefined);
  } catch (error) {
    return err(databaseError(error, `could not create the ${what} tables`));
  } finally {
    if (scratch.isInitialized) await scratch.destroy();
  }
}

/**
 * Creates the legacy tables (MySQL/MariaDB or PostgreSQL, as `legacy` is) in an empty throwaway database,
 * with the five certificate dates stored as `dateStorage` (BIGINT epoch seconds by default, or wall-clock
 * DATETIME, `timestamp` on PostgreSQL).
 */
export async function createLegacySchema(
  legacy: DataSource,
  options: { readonly dateStorage?: LegacyDateStorage } = {},
): Promise<Result<void>> {
  const dialect = sqlDialect(legacy);
  if (!dialect.ok) return dialect;
  const schemas = legacyEntitySchemas({ ...options, dialect: dialect.value });
  return synchronizeTables(legacy, Object.values(schemas) as EntitySchema[], "legacy");
}

/** Creates the destination tables and the migration's ledger tables in an empty throwaway database. */
export async function createDestinationSchema(destination: DataSource): Promise<Result<void>> {
  const dialect = sqlDialect(destination);
  if (!dialect.ok) return dialect;
  const tables = await synchronizeTables(
    destination,
    Object.values(destinationEntitySchemas(dialect.value)) as EntitySchema[],
    "destination",
  );
  if (!tables.ok) return tables;
  return ensureLedgerTables(destination);
}
