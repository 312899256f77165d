export {
  decodeCtEntry,
  type DecodedCtEntry,
  type CertificateSummary,
  type CtEntryType,
  type SubjectAltName,
} from "./ct-entry.js";
export {
  verifyPendingDirectory,
  type PendingDirectoryReport,
  type PendingEntryProblem,
} from "./pending-directory-verify.js";
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
export type { ExportFailure, ExportSummary, StopReason } from "./export/export-summary.js";
export { reconcileJournal, type ReconcileJournalOptions } from "./journal/reconcile-journal.js";
export type { ReconcileSummary } from "./journal/reconcile-journal.js";
