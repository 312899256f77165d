export { createLegacySchema, createDestinationSchema } from "./createSchemas.js";
export {
  generateLegacyDataset,
  type GeneratedCertificate,
  type GeneratedMappingEntry,
  type GeneratedRow,
  type LegacyDataset,
  type LegacyDatasetOptions,
} from "./legacyDataset.js";
export {
  seedDestinationDatabase,
  seedLegacyDatabase,
  setUpMigrationDatabases,
  writeDatasetMappingFiles,
  type MigrationDatabasesSetup,
} from "./seedDatabases.js";
export { createRandom, type Random } from "./random.js";
