export { parseCertificate, type CertificateSummary } from "./parse/certificate-summary.js";
export { parseCrl, type ParsedCrl, type RevocationReason, type RevokedCertificate } from "./parse/crl.js";
export {
  parseLdif,
  type LdifCertificate,
  type LdifContent,
  type LdifCrl,
  type LdifDscCollection,
  type LdifMasterList,
  type LdifOptions,
} from "./parse/ldif.js";
export {
  CSCA_MASTER_LIST_OID,
  parseMasterList,
  type MasterList,
  type MasterListOptions,
} from "./parse/master-list.js";
export type { MasterListContent } from "./parse/master-list-content.js";
// ICAO 9303-12 deviation lists: parsed, their signer checked against the trusted CSCAs, stored in deviation_list.
export {
  DEVIATION_LIST_OID,
  parseDeviationList,
  type DeviationDescriptionEntry,
  type DeviationEntry,
  type DeviationList,
  type DeviationListOptions,
  type DocumentSignerReference,
} from "./parse/deviation-list.js";
export { DEVIATION_LIST_SIGNER_EKU, type DeviationListReport } from "./sync/deviation-list-admission.js";
export {
  findDeviations,
  type DeviationListRow,
  type DeviationMatch,
  type DeviationQuery,
} from "./trust-store/deviation-list-store.js";
export { verifyMasterList } from "./verify/verify-master-list.js";
export type {
  ChainCheck,
  MasterListVerification,
  VerifiedSigner,
  VerifyOptions,
} from "./verify/master-list-verification.js";
export { defaultParseLimits, type ParseLimits } from "./parse/parse-limits.js";
export type {
  AlgorithmIdentifier,
  SignedAttributes,
  SignerIdentifier,
  SignerInfo,
} from "./parse/signed-data.js";
export { loadTrustAnchors, type TrustAnchor } from "./verify/trust-anchors.js";
export {
  buildTrustStoreRows,
  DEFAULT_SOURCE,
  type CertificateRow,
  type CrlRow,
  type Provenance,
  type ProvenanceCollection,
  type ProvenanceRow,
  type ProvenanceStatus,
  type RevokedCertificateRow,
  type RowOptions,
  type TrustStoreContent,
  type TrustStoreRows,
} from "./trust-store/trust-store-rows.js";
export { migrateTrustStore, TRUST_STORE_SCHEMA_VERSION } from "./trust-store/trust-store-migrations.js";
export {
  ENTRIES_PER_GROUP,
  KEPT_CHANGE_SETS,
  readLastSyncChanges,
  type ChangeCounts,
  type ChangedEntry,
  type ChangedTable,
  type CountryChanges,
  type LastSyncChanges,
  type StoreChanges,
} from "./trust-store/store-diff.js";
export {
  countTrustStore,
  readSyncLog,
  replaceTrustStore,
  type ReplaceOptions,
  type ReplaceOutcome,
  type SyncLogEntry,
  type TableCounts,
} from "./trust-store/trust-store-repository.js";
// The sync pipeline: sources -> parse and verify -> rows -> transactional replace.
export {
  inspectSources,
  type CertificateRowJson,
  type CrlRowJson,
  type DeviationListRowJson,
  type InspectOptions,
  type InspectReport,
  type ProvenanceRowJson,
  type RevokedCertificateRowJson,
} from "./sync/inspect-sources.js";
export type { CollectOptions, SourceReport } from "./sync/source-collection.js";
export type { ConditionalSync, SourceDownload } from "./sync/conditional-sources.js";
export type { LoadedSource, SourceDownloadOptions, SourceLoader } from "./sync/source-loader.js";
export type { SourceBytes, SourceKind, SourceLocation, SyncInput, SyncSource } from "./sync/sync-input.js";
export {
  NO_ANCHOR_ESCAPE,
  syncTrustStore,
  type SyncOptions,
  type SyncOutcome,
  type SyncTimings,
} from "./sync/sync-trust-store.js";
export type {
  CrlVerificationCounts,
  DscVerificationCounts,
  ListVerificationReport,
  NestedListCounts,
  RefusedInput,
  SignerReport,
  VerificationReport,
} from "./sync/verification-report.js";
// Passive authentication of travel documents against a synced store (see src/passive-auth/).
export {
  verifyDocumentSecurityObject,
  type PassiveAuthOptions,
} from "./passive-auth/verify-document-security-object.js";
export type {
  CheckStatus,
  DataGroupCheck,
  DataGroupStatus,
  PassiveAuthentication,
  RevocationStatus,
  ValidityStatus,
} from "./passive-auth/passive-auth-result.js";
export {
  LDS_SECURITY_OBJECT_OID,
  type DataGroupHash,
  type LdsSecurityObject,
} from "./passive-auth/lds-security-object.js";
export {
  TrustStoreReader,
  type StoredCertificate,
  type StoredCrl,
  type StoredDeviation,
  type TrustStoreLookup,
  type TrustStoreReaderOptions,
} from "./trust-store/trust-store-reader.js";
// Downloads: http(s) with limits, retries and OpenID Connect; local paths and file: URLs (see src/download/).
export {
  DEFAULT_DOWNLOAD_MAX_BYTES,
  DEFAULT_DOWNLOAD_TIMEOUT_MS,
  DEFAULT_DOWNLOAD_TOTAL_TIMEOUT_MS,
  defaultDownloadRetryPolicy,
  type DownloadOptions,
} from "./download/download-options.js";
export { downloadSource, type DownloadedSource } from "./download/download-source.js";
export { loadSource } from "./download/load-source.js";
export type { OidcOptions } from "./download/oidc-token.js";
export type { ConditionalRequest } from "./download/conditional-request.js";
export { DEFAULT_SERVICE_LOGIN_HEADER, type ServiceLoginOptions } from "./download/service-login.js";
export { redactSourceUrl } from "./download/source-url.js";
