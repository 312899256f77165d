export { createLegacySchema, createDestinationSchema } from "./create-schemas.js";
export {
  generateLegacyDataset,
  type GeneratedCertificate,
  type GeneratedMappingEntry,
  type GeneratedRow,
  type LegacyDataset,
  type LegacyDatasetOptions,
} from "./legacy-dataset.js";
export {
  seedDestinationDatabase,
  seedLegacyDatabase,
  setUpMigrationDatabases,
  writeDatasetMappingFiles,
  type MigrationDatabasesSetup,
} from "./seed-databases.js";
export { createRandom, type Random } from "./random.js";
