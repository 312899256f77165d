import { databaseError, placeholders, quoteIdentifier, sqlDialect, type SqlDialect } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import { DateTime } from "luxon";
import type { DataSource } from "typeorm";
import { formatJsonObject } from "../mapping/json-object-entries.js";
import { mappingFilePaths, type MappingFilePaths } from "../mapping/mapping-files.js";
import { writeTextFileAtomic } from "../mapping/atomic-file.js";
import { DEFAULT_LEGACY_TIME_ZONE } from "../rules/legacy-date.js";
import type { LegacyDateStorage } from "../schema/legacy-schema.js";
import { createDestinationSchema, createLegacySchema } from "./create-schemas.js";
import type { GeneratedRow } from "./dataset/generated-rows.js";
import type { LegacyDataset } from "./legacy-dataset.js";

type Value = string | number | boolean | null;

/** Inserts rows with multi-row INSERTs, as many rows per statement as the parameter limits allow. */
async function insertRows(
  dataSource: DataSource,
  dialect: SqlDialect,
  table: string,
  rows: readonly Record<string, Value>[],
): Promise<void> {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first);
  const perStatement = Math.max(1, Math.min(1000, Math.floor(30_000 / columns.length)));
  const columnList = columns.map((column) => quoteIdentifier(dialect, column)).join(", ");
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const values: Value[] = [];
    const tuples = chunk.map((row, index) => {
      for (const column of columns) values.push(row[column] ?? null);
      return `(${placeholders(dialect, columns.length, index * columns.length)})`;
    });
    await dataSource.query(
      `INSERT INTO ${quoteIdentifier(dialect, table)} (${columnList}) VALUES ${tuples.join(", ")}`,
      values,
    );
  }
}

function legacyDate(value: number | null, storage: LegacyDateStorage, dialect: SqlDialect): Value {
  if (value === null || storage === "epoch") return value;
  // PostgreSQL has no zero date; NULL is what the migration reads a zero date as anyway.
  if (value === 0) return dialect === "mysql" ? "0000-00-00 00:00:00" : null;
  return DateTime.fromSeconds(value, { zone: DEFAULT_LEGACY_TIME_ZONE }).toFormat("yyyy-MM-dd HH:mm:ss");
}

/**
 * Inserts a generated dataset's legacy rows into tables made by `createLegacySchema` (with the same
 * `dateStorage`): epoch seconds, or Dubai wall-clock DATETIME values (a zero date stays a zero date on
 * MySQL/MariaDB and is NULL on PostgreSQL, which has none).
 */
export async function seedLegacyDatabase(
  legacy: DataSource,
  dataset: LegacyDataset,
  options: { readonly dateStorage?: LegacyDateStorage } = {},
): Promise<Result<void>> {
  const dialect = sqlDialect(legacy);
  if (!dialect.ok) return dialect;
  const storage = options.dateStorage ?? "epoch";
  const date = (value: number | null) => legacyDate(value, storage, dialect.value);
  const certificates = dataset.legacy.certificates.map((row) => ({
    ...row,
    date_installation: date(row.date_installation),
    date_calibrate: date(row.date_calibrate),
    date_expiry: date(row.date_expiry),
    date_cancelation: date(row.date_cancelation),
    date_actual_installation: date(row.date_actual_installation),
  }));
  try {
    const d = dialect.value;
    await insertRows(legacy, d, "dealer_master", dataset.legacy.dealers);
    await insertRows(legacy, d, "users", dataset.legacy.users);
    await insertRows(legacy, d, "customer_master", dataset.legacy.customers);
    await insertRows(legacy, d, "technician_master", dataset.legacy.technicians);
    await insertRows(legacy, d, "ecu_master", dataset.legacy.ecus);
    await insertRows(legacy, d, "certificate_record", certificates);
    return ok(undefined);
  } catch (error) {
    return err(databaseError(error, "could not seed the legacy database"));
  }
}

const DESTINATION_ORDER: ReadonlyArray<[string, (dataset: LegacyDataset) => readonly GeneratedRow[]]> = [
  ["users", (d) => d.destination.users],
  ["customers", (d) => d.destination.customers],
  ["technicians", (d) => d.destination.technicians],
  ["device_types", (d) => d.destination.deviceTypes],
  ["device_models", (d) => d.destination.deviceModels],
  ["device_variants", (d) => d.destination.deviceVariants],
  ["devices", (d) => d.destination.devices],
];

/**
 * Inserts a generated dataset's destination prerequisites (users, customers, technicians, device catalogue,
 * devices) into tables made by `createDestinationSchema`. On PostgreSQL the id sequences are moved past the
 * inserted ids, so rows the migration creates get fresh ids.
 */
export async function seedDestinationDatabase(
  destination: DataSource,
  dataset: LegacyDataset,
): Promise<Result<void>> {
  const dialect = sqlDialect(destination);
  if (!dialect.ok) return dialect;
  try {
    for (const [table, rows] of DESTINATION_ORDER) {
      await insertRows(destination, dialect.value, table, rows(dataset));
      if (dialect.value === "postgres") {
        await destination.query(
          `SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT MAX(id) FROM ${table}), 1))`,
        );
      }
    }
    return ok(undefined);
  } catch (error) {
    return err(databaseError(error, "could not seed the destination database"));
  }
}

/** Writes the dataset's four mapping files (in their file order) into `directory`; returns their paths. */
export async function writeDatasetMappingFiles(
  directory: string,
  dataset: LegacyDataset,
): Promise<Result<MappingFilePaths>> {
  const paths = mappingFilePaths(directory);
  const files: Array<[string, LegacyDataset["mappings"]["users"]]> = [
    [paths.customers, dataset.mappings.customers],
    [paths.users, dataset.mappings.users],
    [paths.technicians, dataset.mappings.technicians],
    [paths.certificates, dataset.mappings.certificates],
  ];
  for (const [file, entries] of files) {
    const written = await writeTextFileAtomic(file, formatJsonObject(entries));
    if (!written.ok) return written;
  }
  return ok(paths);
}

/** Where {@link setUpMigrationDatabases} puts a generated dataset. */
export interface MigrationDatabasesSetup {
  readonly legacy: DataSource;
  readonly destination: DataSource;
  readonly dataset: LegacyDataset;
  /** The mapping files go here, under the original tool's names. */
  readonly mappingDirectory: string;
  readonly dateStorage?: LegacyDateStorage;
}

/**
 * Creates the legacy and destination tables in two empty databases, seeds them with `dataset` and writes its
 * mapping files: everything a migration needs, for tests, benchmarks and demos. Returns the files' paths.
 */
export async function setUpMigrationDatabases(
  setup: MigrationDatabasesSetup,
): Promise<Result<MappingFilePaths>> {
  const dateStorage = setup.dateStorage ?? "epoch";
  const legacyTables = await createLegacySchema(setup.legacy, { dateStorage });
  if (!legacyTables.ok) return legacyTables;
  const legacyRows = await seedLegacyDatabase(setup.legacy, setup.dataset, { dateStorage });
  if (!legacyRows.ok) return legacyRows;
  const destinationTables = await createDestinationSchema(setup.destination);
  if (!destinationTables.ok) return destinationTables;
  const destinationRows = await seedDestinationDatabase(setup.destination, setup.dataset);
  if (!destinationRows.ok) return destinationRows;
  return writeDatasetMappingFiles(setup.mappingDirectory, setup.dataset);
}
