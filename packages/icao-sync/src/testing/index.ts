export {
  buildName,
  issueCertificate,
  simpleName,
  type BasicConstraintsStyle,
  type CertificateSpec,
  type GeneratedCertificate,
  type NameAttributeSpec,
  type NameSpec,
  type StringEncoding,
} from "./certificate-factory.js";
export {
  generateDataGroups,
  issueDocumentSigner,
  signDocumentSecurityObject,
  type DocumentDigest,
  type DocumentSecurityObjectSpec,
  type DocumentSignerSpec,
  type SodTamper,
} from "./document-factory.js";
export {
  issueCrl,
  reasonCodes,
  type CrlForgery,
  type GeneratedCrl,
  type RevocationSpec,
} from "./crl-factory.js";
export {
  generateIcaoPki,
  type CountryPki,
  type CscaQuirk,
  type HostilePkdMaterial,
  type IcaoPki,
  type IcaoPkiOptions,
} from "./icao-pki.js";
export {
  MASTER_LIST_CONTENT_TYPE,
  signMasterList,
  type MasterListSpec,
  type MasterListTamper,
} from "./master-list-factory.js";
export {
  DEVIATION_LIST_CONTENT_TYPE,
  DEVIATION_LIST_SIGNER_EKU,
  deviationListContent,
  issueDeviationListSigner,
  signDeviationList,
  type DeviationDescriptionSpec,
  type DeviationListSpec,
  type DeviationSpec,
  type DscIdentifierKind,
} from "./deviation-list-factory.js";
export {
  DEFAULT_CONFORMANCE,
  escapeLdapValue,
  pkdNameLabel,
  writePkdLdif,
  type PkdCollection,
  type PkdConformance,
  type PkdEntry,
  type PkdLdifOptions,
} from "./pkd-ldif-writer.js";
export { SeededRandom } from "./seeded-random.js";
export { generateSigningKey, keyAlgorithms, type KeyAlgorithm, type SigningKey } from "./signing-keys.js";
