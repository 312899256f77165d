export {
  generateCtEntries,
  type GenerateCtEntriesOptions,
  type GeneratedCtEntry,
} from "./ct-entry-generator.js";
export {
  CT_LOGS,
  generateCertRows,
  type CertRowData,
  type CtLogDescription,
  type GenerateCertRowsOptions,
} from "./cert-rows.js";
export {
  createCertsTable,
  insertCertRows,
  seedCertsTable,
  sqlDialect,
  type CreateCertsTableOptions,
} from "./certs-table.js";
export { SeededRandom } from "./seeded-random.js";
