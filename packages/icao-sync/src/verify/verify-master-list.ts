import type { Result } from "@certs/result";
import type { MasterList } from "../parse/master-list.js";
import {
  checkSignerChains,
  checkSignerSignatures,
  type MasterListVerification,
  type VerifyOptions,
} from "./master-list-verification.js";

/**
 * Verifies the signature of a parsed master list and, given trust anchors, its signer's chain (RFC 5652 and
 * ICAO 9303-12): the messageDigest attribute must equal the digest of the content, the signature over the
 * signed attributes must verify with the signer certificate, and that certificate must chain to an anchor at
 * the signing time. Any failure is a SIGNATURE_ERROR.
 */
export function verifyMasterList(
  list: MasterList,
  options: VerifyOptions = {},
): Result<MasterListVerification> {
  const signers = checkSignerSignatures(list.content, list.signerCertificates, list.cscas);
  if (!signers.ok) return signers;
  return checkSignerChains(signers.value, [...list.cscas, ...list.signerCertificates], options);
}
