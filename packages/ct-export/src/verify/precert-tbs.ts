import * as asn1js from "asn1js";
import { appError, err, ErrorCode, ok, Result, type AppError } from "@certs/result";

/** The CT poison extension a pre-certificate carries so that no TLS client accepts it (RFC 6962 3.1). */
export const POISON_EXTENSION_OID = "1.3.6.1.4.1.11129.2.4.3";
const AUTHORITY_KEY_IDENTIFIER_OID = "2.5.29.35";

/**
 * A certificate read with asn1js, which keeps every element as it was encoded: elements left untouched
 * re-encode to the same bytes, so a TBSCertificate edited here differs from the original only where edited.
 */
interface CertificateTree {
  readonly tbs: asn1js.Sequence;
  /** Position of each TBSCertificate field among the TBS children (`version` is optional). */
  readonly issuerIndex: number;
  readonly spkiIndex: number;
  /** The `[3] EXPLICIT Extensions` element, or null when the certificate has none. */
  readonly extensionsWrapper: asn1js.Constructed | null;
  readonly extensions: asn1js.Sequence | null;
}

/**
 * The TBSCertificate a log puts in a precert entry's `leaf_input`, rebuilt from the pre-certificate in
 * `extra_data` as RFC 6962 section 3.2 says: the poison extension removed and, when the pre-certificate was
 * signed by a Precertificate Signing Certificate (`signer`), the issuer and the authority key identifier
 * replaced by the signer's own (those of the CA that issues the final certificate).
 */
export function rebuildPrecertTbs(
  preCertificate: Uint8Array,
  signer: Uint8Array | null,
): Result<Uint8Array, AppError> {
  const pre = readCertificateTree(preCertificate, "extra_data pre_certificate");
  if (!pre.ok) return pre;
  const { tbs, extensions, extensionsWrapper } = pre.value;
  if (extensions === null || extensionsWrapper === null) {
    return invalid("extra_data pre_certificate has no extensions, so no CT poison extension.");
  }
  const kept = extensions.valueBlock.value.filter(
    (extension) => extensionOid(extension) !== POISON_EXTENSION_OID,
  );
  const removed = extensions.valueBlock.value.length - kept.length;
  if (removed !== 1) {
    return invalid(
      removed === 0
        ? `extra_data pre_certificate has no CT poison extension (${POISON_EXTENSION_OID}).`
        : `extra_data pre_certificate has ${removed} CT poison extensions.`,
    );
  }
  extensions.valueBlock.value = kept;
  if (kept.length === 0) {
    // RFC 5280 Extensions has at least one element: without any, the [3] field is left out.
    tbs.valueBlock.value = tbs.valueBlock.value.filter((element) => element !== extensionsWrapper);
  }

  if (signer !== null) {
    const signing = readCertificateTree(signer, "the precertificate signing certificate");
    if (!signing.ok) return signing;
    const signerIssuer = signing.value.tbs.valueBlock.value[signing.value.issuerIndex];
    if (signerIssuer === undefined) return invalid("the precertificate signing certificate has no issuer.");
    tbs.valueBlock.value[pre.value.issuerIndex] = signerIssuer;
    const aki = kept.find((extension) => extensionOid(extension) === AUTHORITY_KEY_IDENTIFIER_OID);
    if (aki !== undefined) {
      const signerAki = signing.value.extensions?.valueBlock.value.find(
        (extension) => extensionOid(extension) === AUTHORITY_KEY_IDENTIFIER_OID,
      );
      const signerValue = signerAki === undefined ? undefined : extensionValue(signerAki);
      if (signerValue === undefined) {
        return invalid(
          "the pre-certificate has an authority key identifier but its precertificate signing certificate has none.",
        );
      }
      const akiElements = (aki as asn1js.Sequence).valueBlock.value;
      akiElements[akiElements.length - 1] = signerValue;
    }
  }
  return ok(new Uint8Array(tbs.toBER(false)));
}

/** The DER SubjectPublicKeyInfo of a certificate, byte for byte as encoded in it. */
export function subjectPublicKeyInfo(der: Uint8Array, what: string): Result<Uint8Array, AppError> {
  const tree = readCertificateTree(der, what);
  if (!tree.ok) return tree;
  const spki = tree.value.tbs.valueBlock.value[tree.value.spkiIndex];
  if (spki === undefined) return invalid(`${what} has no subjectPublicKeyInfo.`);
  return ok(new Uint8Array(spki.valueBeforeDecodeView));
}

function readCertificateTree(der: Uint8Array, what: string): Result<CertificateTree, AppError> {
  const parsed = Result.tryCatch(
    () => asn1js.fromBER(der),
    (cause) => appError(ErrorCode.PARSE_ERROR, `${what} is not DER.`, { cause }),
  );
  if (!parsed.ok) return parsed;
  const certificate = parsed.value.result;
  if (parsed.value.offset !== der.byteLength || !(certificate instanceof asn1js.Sequence)) {
    return invalid(`${what} is not a DER certificate.`);
  }
  const tbs = certificate.valueBlock.value[0];
  if (!(tbs instanceof asn1js.Sequence)) return invalid(`${what} has no TBSCertificate.`);
  const fields = tbs.valueBlock.value;
  const hasVersion = isContextTag(fields[0], 0);
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo follow the optional version.
  const issuerIndex = (hasVersion ? 1 : 0) + 2;
  const spkiIndex = issuerIndex + 3;
  if (fields.length <= spkiIndex) return invalid(`${what} has a truncated TBSCertificate.`);
  const wrapper = fields.find((field) => isContextTag(field, 3));
  if (wrapper === undefined) {
    return ok({ tbs, issuerIndex, spkiIndex, extensionsWrapper: null, extensions: null });
  }
  const extensions = (wrapper as asn1js.Constructed).valueBlock.value[0];
  if (!(extensions instanceof asn1js.Sequence)) return invalid(`${what} has malformed extensions.`);
  return ok({
    tbs,
    issuerIndex,
    spkiIndex,
    extensionsWrapper: wrapper as asn1js.Constructed,
    extensions,
  });
}

function isContextTag(element: asn1js.AsnType | undefined, tagNumber: number): boolean {
  // Tag class 3 is context-specific: [0] version, [1]/[2] unique ids, [3] extensions.
  return (
    element instanceof asn1js.Constructed &&
    element.idBlock.tagClass === 3 &&
    element.idBlock.tagNumber === tagNumber
  );
}

function extensionOid(extension: asn1js.AsnType): string | undefined {
  if (!(extension instanceof asn1js.Sequence)) return undefined;
  const id = extension.valueBlock.value[0];
  return id instanceof asn1js.ObjectIdentifier ? id.valueBlock.toString() : undefined;
}

function extensionValue(extension: asn1js.AsnType): asn1js.AsnType | undefined {
  if (!(extension instanceof asn1js.Sequence)) return undefined;
  const value = extension.valueBlock.value[extension.valueBlock.value.length - 1];
  return value instanceof asn1js.OctetString ? value : undefined;
}

function invalid(message: string): Result<never, AppError> {
  return err(appError(ErrorCode.PARSE_ERROR, message));
}
