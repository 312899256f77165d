export {
  decodeCtEntry,
  type DecodedCtEntry,
  type CertificateSummary,
  type CtEntryType,
  type SubjectAltName,
} from "./ct-entry.js";
export {
  verifyPendingDirectory,
  verifyPendingFiles,
  type CheckedEntry,
  type DuplicateEntry,
  type PendingDirectoryReport,
  type PendingEntryProblem,
  type PendingProblemKind,
  type QuarantinedFile,
  type VerifyPendingOptions,
} from "./verify/pending-directory-verify.js";
export {
  leafHash,
  verifyCtEntry,
  PRECERT_SIGNING_EKU,
  type CtEntryCheck,
  type VerifiedCtEntry,
} from "./verify/ct-entry-checks.js";
export type { EntrySourceShape } from "./verify/entry-sources.js";
export { CertEntity, certEntity, type CertRow } from "./cert-entity.js";
export { inspectCertsTable, type CertsTableShape } from "./certs-table-columns.js";
export {
  formatPendingFile,
  pendingFileName,
  PENDING_FILE_NAME,
  type PendingRow,
} from "./pending-file-format.js";
export {
  writePendingFile,
  type WritePendingFileOptions,
  type WrittenPendingFile,
} from "./pending-file-writer.js";
export { exportCerts } from "./export/export-certs.js";
export type { BatchProgress, ExportCertsOptions } from "./export/export-options.js";
export type { ReplicaLagEvent, ReplicaLagOptions } from "./export/replica-lag.js";
export type { ExportFailure, ExportSummary, StopReason } from "./export/export-summary.js";
export type { JournalOwnerDirectory, SkippedRow, SkipReason } from "./export/skipped-rows.js";
export { reconcileJournal, type ReconcileJournalOptions } from "./journal/reconcile-journal.js";
export type { ReconcileSummary } from "./journal/reconcile-journal.js";
