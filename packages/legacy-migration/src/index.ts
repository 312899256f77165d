export { certificateStatus, deviceBlockRequired } from "./rules/certificateStatus.js";
export type { CertificateStatus, CertificateStatusInput } from "./rules/certificateStatus.js";
export { parseSpeedLimit, type SpeedLimit } from "./rules/speedLimit.js";
export { splitVehicleType, type VehicleMake } from "./rules/vehicleType.js";
export { DEVICE_FAMILIES, deviceFamilyForEcu, ecuKey, trimEcu, type DeviceFamily } from "./rules/ecu.js";
export {
  DEFAULT_LEGACY_TIME_ZONE,
  legacyDateKindOfSqlType,
  legacyDateToUtc,
  sqlUtc,
  validateTimeZone,
  type LegacyDateKind,
} from "./rules/legacyDate.js";
export { dialectOf, type SqlDialect } from "./schema/SqlDialect.js";
export * from "./schema/legacySchema.js";
export * from "./schema/destinationSchema.js";
export * from "./schema/ledgerSchema.js";
export {
  loadMappingFiles,
  mappingFilePaths,
  type CertificateMapping,
  type MappingFilePaths,
  type MappingFiles,
  type TechnicianMapping,
  type UserMapping,
} from "./mapping/mappingFiles.js";
export { writeCertificateMappings, writeTechnicianMappings } from "./mapping/mappingFileWriters.js";
export { writeFileAtomic, writeTextFileAtomic } from "./mapping/atomicFile.js";
export { migrateCertificates, type MigrateCertificatesOptions } from "./migration/migrateCertificates.js";
export {
  migrateInteractively,
  type InteractiveChoice,
  type InteractiveStep,
  type MigrateInteractivelyOptions,
} from "./migration/migrateInteractively.js";
export type { FailedRecord, MigrationProgress, MigrationSummary } from "./migration/RunTally.js";
export type { RunSelectionOptions } from "./migration/RunSelection.js";
export {
  MigrationSession,
  openMigrationSession,
  type MigrationSettings,
  type MigrationSources,
  type PendingPage,
  type PendingSelection,
} from "./migration/MigrationSession.js";
export type { GroupResult } from "./migration/migrateGroup.js";
export type { LegacyCertificate, LegacyDateValue } from "./migration/legacyCertificates.js";
export type {
  CertificatePlan,
  MigrationStep,
  PlanResult,
  StepFailure,
  TechnicianChoice,
  VehiclePlan,
} from "./migration/planCertificate.js";
export type { DestinationUser } from "./migration/referenceData.js";
export type {
  CertificateOutcome,
  FailureSummary,
  LegacyIdentity,
  MigratedCertificate,
} from "./migration/outcomes.js";
export { MigrationReportWriter } from "./report/MigrationReportWriter.js";
