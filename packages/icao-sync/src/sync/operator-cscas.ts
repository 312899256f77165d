import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { ParseLimits } from "../parse/parse-limits.js";
import { mayIssueCertificates, type TrustAnchor } from "../verify/certificate-chain.js";
import { loadTrustAnchors } from "../verify/trust-anchors.js";

/**
 * Reads one operator CSCA file (PEM with one or more CERTIFICATE blocks, or DER): CSCAs a master list lacks,
 * which the operator vouches for. Each must be a CA allowed to sign certificates (basicConstraints cA TRUE,
 * keyCertSign where keyUsage is present). PARSE_ERROR for a file that holds no readable certificate,
 * VALIDATION_ERROR for a certificate that is no CA; both name the file.
 */
export function loadOperatorCscas(
  name: string,
  bytes: Uint8Array,
  limits: { readonly limits?: Partial<ParseLimits> } = {},
): Result<TrustAnchor[]> {
  const loaded = loadTrustAnchors([bytes], limits);
  if (!loaded.ok) {
    const reason = loaded.error.message.replace(/^Trust anchor file 1 /, "").replace(/\.$/, "");
    return err(
      appError(ErrorCode.PARSE_ERROR, `Operator CSCA file ${name} ${reason}.`, {
        cause: loaded.error,
        details: { source: name },
      }),
    );
  }
  for (const csca of loaded.value) {
    if (!mayIssueCertificates(csca.certificate)) {
      const why = csca.certificate.isCa
        ? "its keyUsage lacks keyCertSign"
        : "it is not a CA (basicConstraints cA is not TRUE)";
      return err(
        appError(
          ErrorCode.VALIDATION_ERROR,
          `Operator CSCA file ${name}: ${csca.certificate.subject} (serial ${csca.certificate.serialNumber}) cannot be a CSCA: ${why}.`,
          { details: { source: name, subject: csca.certificate.subject } },
        ),
      );
    }
  }
  return ok(loaded.value);
}
