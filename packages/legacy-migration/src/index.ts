export { certificateStatus, deviceBlockRequired } from "./rules/certificate-status.js";
export type { CertificateStatus, CertificateStatusInput } from "./rules/certificate-status.js";
export { parseSpeedLimit, type SpeedLimit } from "./rules/speed-limit.js";
export { splitVehicleType, type VehicleMake } from "./rules/vehicle-type.js";
export { DEVICE_FAMILIES, deviceFamilyForEcu, ecuKey, trimEcu, type DeviceFamily } from "./rules/ecu.js";
export {
  DEFAULT_LEGACY_TIME_ZONE,
  legacyDateKindOfSqlType,
  legacyDateToUtc,
  sqlUtc,
  validateTimeZone,
  type LegacyDateKind,
} from "./rules/legacy-date.js";
export { dialectOf, type SqlDialect } from "./schema/sql-dialect.js";
export * from "./schema/legacy-schema.js";
export * from "./schema/destination-schema.js";
export * from "./schema/ledger-schema.js";
export {
  loadMappingFiles,
  mappingFilePaths,
  type CertificateMapping,
  type MappingFilePaths,
  type MappingFiles,
  type TechnicianMapping,
  type UserMapping,
} from "./mapping/mapping-files.js";
export { writeCertificateMappings, writeTechnicianMappings } from "./mapping/mapping-file-writers.js";
export { writeFileAtomic, writeTextFileAtomic } from "./mapping/atomic-file.js";
export { migrateCertificates, type MigrateCertificatesOptions } from "./migration/migrate-certificates.js";
export {
  migrateInteractively,
  type InteractiveChoice,
  type InteractiveStep,
  type MigrateInteractivelyOptions,
} from "./migration/migrate-interactively.js";
export type { FailedRecord, MigrationProgress, MigrationSummary } from "./migration/migration-summary.js";
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
