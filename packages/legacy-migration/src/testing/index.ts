export { createLegacySchema, createDestinationSchema } from "./create-schemas.js";
export { generateLegacyDataset, type LegacyDataset, type LegacyDatasetOptions } from "./legacy-dataset.js";
export type { GeneratedCertificate, GeneratedMappingEntry, GeneratedRow } from "./dataset/generated-rows.js";
export {
  seedDestinationDatabase,
  seedLegacyDatabase,
  setUpMigrationDatabases,
  writeDatasetMappingFiles,
  type MigrationDatabasesSetup,
} from "./seed-databases.js";
export { createRandom, type Random } from "./random.js";
