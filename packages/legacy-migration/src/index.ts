export { certificateStatus, deviceBlockRequired } from "./rules/certificate-status.js";
export type { CertificateStatus, CertificateStatusInput } from "./rules/certificate-status.js";
export { parseSpeedLimit, type SpeedLimit } from "./rules/speed-limit.js";
export { splitVehicleType, type VehicleMake } from "./rules/vehicle-type.js";
export { DEVICE_FAMILIES, deviceFamilyForEcu, ecuKey, trimEcu, type DeviceFamily } from "./rules/ecu.js";
export {
  DEFAULT_LEGACY_TIME_ZONE,
  legacyDateToUtc,
  validateTimeZone,
  type LegacyDateKind,
} from "./rules/legacy-date.js";
export type { SqlDialect } from "./schema/sql-dialect.js";
export {
  legacyEntitySchemas,
  type LegacyCertificateRow,
  type LegacyCustomerRow,
  type LegacyDateStorage,
  type LegacyDealerRow,
  type LegacyEcuRow,
  type LegacyEntitySchemas,
  type LegacyFleetRow,
  type LegacySchemaOptions,
  type LegacyTechnicianRow,
  type LegacyUserRow,
} from "./schema/legacy-schema.js";
export {
  destinationEntitySchemas,
  type CertificateRow,
  type CustomerDealerRow,
  type CustomerRow,
  type DestinationEntitySchemas,
  type DeviceModelRow,
  type DeviceRow,
  type DeviceTypeRow,
  type DeviceVariantRow,
  type TechnicianRow,
  type TechnicianUserRow,
  type UserRow,
  type VehicleRow,
} from "./schema/destination-schema.js";
export {
  LEDGER_TABLES,
  ledgerEntitySchemas,
  type FailureRow,
  type LedgerEntitySchemas,
  type LedgerRow,
  type TechnicianClaimRow,
} from "./schema/ledger-schema.js";
export {
  loadMappingFiles,
  mappingFilePaths,
  type CertificateMapping,
  type LoadMappingFilesOptions,
  type MappingFilePaths,
  type MappingFiles,
  type TechnicianMapping,
  type UserMapping,
} from "./mapping/mapping-files.js";
export { writeCertificateMappings, writeTechnicianMappings } from "./mapping/mapping-file-writers.js";
export { migrateCertificates, type MigrateCertificatesOptions } from "./migration/migrate-certificates.js";
export {
  migrateInteractively,
  type InteractiveChoice,
  type InteractiveStep,
  type MigrateInteractivelyOptions,
} from "./migration/migrate-interactively.js";
export type {
  FailedRecord,
  MigrationFailure,
  MigrationProgress,
  MigrationSummary,
} from "./migration/migration-summary.js";
export type { RunSelectionOptions } from "./migration/run-selection.js";
export {
  MigrationSession,
  openMigrationSession,
  type MigrationSettings,
  type MigrationSources,
  type PendingPage,
  type PendingSelection,
} from "./migration/migration-session.js";
export type { GroupResult } from "./migration/migrate-group.js";
export type { LegacyCertificate, LegacyDateValue } from "./migration/legacy-certificates.js";
export type {
  CertificatePlan,
  MigrationStep,
  PlanResult,
  StepFailure,
  TechnicianChoice,
  VehiclePlan,
} from "./migration/plan-certificate.js";
export type { DestinationUser } from "./migration/reference-data.js";
export type {
  CertificateOutcome,
  FailureSummary,
  LegacyIdentity,
  MigratedCertificate,
} from "./migration/outcomes.js";
export { MigrationReportWriter } from "./report/migration-report-writer.js";
export { RejectsWriter, type RejectLine } from "./report/rejects-writer.js";
export type { RunOutputOptions } from "./migration/run-outputs.js";
export { verifyMigration, type VerifyMigrationOptions } from "./verify/verify-migration.js";
export type { Discrepancy, DiscrepancyKind, VerificationSummary } from "./verify/discrepancy.js";
