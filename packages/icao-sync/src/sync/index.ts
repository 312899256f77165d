export {
  inspectSources,
  type CertificateRowJson,
  type CrlRowJson,
  type InspectOptions,
  type InspectReport,
  type RevokedCertificateRowJson,
} from "./inspect-sources.js";
export type { CollectOptions, SourceReport } from "./source-collection.js";
export type { LoadedSource, SourceDownloadOptions, SourceLoader } from "./source-loader.js";
export type { SourceBytes, SourceKind, SourceLocation, SyncInput, SyncSource } from "./sync-input.js";
export { syncTrustStore, type SyncOptions, type SyncOutcome, type SyncTimings } from "./sync-trust-store.js";
export type { ListVerificationReport, SignerReport, VerificationReport } from "./verification-report.js";
