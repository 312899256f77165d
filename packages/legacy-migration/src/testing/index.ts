export { createLegacySchema, createDestinationSchema } from "./createSchemas.js";
export {
  generateLegacyDataset,
  type GeneratedCertificate,
  type GeneratedMappingEntry,
  type GeneratedRow,
  type LegacyDataset,
  type LegacyDatasetOptions,
} from "./legacyDataset.js";
export { seedDestinationDatabase, seedLegacyDatabase, writeDatasetMappingFiles } from "./seedDatabases.js";
export { createRandom, type Random } from "./random.js";
