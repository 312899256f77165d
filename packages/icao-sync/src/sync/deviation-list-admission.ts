import { randomUUID } from "node:crypto";
import { type AppError, appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, ExtendedKeyUsage, id_ce_extKeyUsage } from "@peculiar/asn1-x509";
import type { CertificateSummary } from "../parse/certificate-summary.js";
import type { DeviationList } from "../parse/deviation-list.js";
import type { DeviationListRow } from "../trust-store/deviation-list-store.js";
import { mayIssueCertificates } from "../verify/certificate-chain.js";
import { CLOCK_TOLERANCE_MS } from "../verify/master-list-verification.js";
import { rfc4514Country, type TrustedCscas } from "../verify/trusted-cscas.js";

/** extendedKeyUsage a Deviation List Signer certificate carries (9303-12, id-icao-DeviationListSigningKey). */
export const DEVIATION_LIST_SIGNER_EKU = "2.23.136.1.1.8";

/** What a sync or an inspection established about one deviation list file. */
export interface DeviationListReport {
  readonly source: string;
  /** Lowercase hex SHA-256 of the list's DER. */
  readonly digest: string;
  readonly deviations: number;
  /** Rows in `deviation_list` (one per deviation description). */
  readonly rows: number;
  /** `verified`: signed by a Deviation List Signer that a trusted CSCA issued; `not_checked`: verification off. */
  readonly signature: "verified" | "not_checked";
  readonly signer: string | null;
  /** The trusted CSCA that issued the signer; null when not checked. */
  readonly csca: string | null;
  /** ISO 8601 UTC, or null. */
  readonly signingTime: string | null;
}

function refused(source: string, reason: string, details: Record<string, unknown> = {}): AppError {
  return appError(ErrorCode.SIGNATURE_ERROR, `${source}: the deviation list is refused: ${reason}.`, {
    details: { source, ...details },
  });
}

/** The extendedKeyUsage purposes of a certificate; null without the extension. */
export function extendedKeyUsage(certificate: CertificateSummary): string[] | null {
  const parsed = AsnConvert.parse(certificate.der, Certificate);
  const extension = parsed.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_extKeyUsage);
  if (extension === undefined) return null;
  return [...AsnConvert.parse(extension.extnValue, ExtendedKeyUsage)];
}

function validAt(certificate: CertificateSummary, at: Date): boolean {
  return certificate.notBefore.getTime() <= at.getTime() && at.getTime() <= certificate.notAfter.getTime();
}

/**
 * Decides whether a parsed deviation list may be stored: with verification on, every signer must be a
 * Deviation List Signer (extendedKeyUsage 2.23.136.1.1.8), valid at the signing time, whose signature a
 * trusted CSCA (an anchor, a CSCA of an anchored list, an operator CSCA) verifies, that CSCA allowed to
 * issue certificates and valid then too; a signingTime later than the clock is refused. Any failure is a
 * SIGNATURE_ERROR naming the source (the sync then writes nothing).
 */
export function admitDeviationList(
  list: DeviationList,
  source: string,
  trusted: TrustedCscas,
  options: { readonly verify: boolean; readonly clock: () => Date },
): Result<{
  readonly report: DeviationListReport;
  readonly signer: CertificateSummary | null;
  readonly csca: CertificateSummary | null;
}> {
  const first = list.signers?.[0] ?? null;
  let csca: CertificateSummary | null = null;
  if (options.verify) {
    if (list.signers === null || list.signers.length === 0)
      return err(refused(source, "its signature was not checked"));
    const now = options.clock();
    for (const signer of list.signers) {
      const certificate = signer.certificate;
      let purposes: string[] | null;
      try {
        purposes = extendedKeyUsage(certificate);
      } catch (cause) {
        return err(
          refused(
            source,
            `the extensions of its signer ${certificate.subject} cannot be read (${String(cause)})`,
          ),
        );
      }
      if (purposes === null || !purposes.includes(DEVIATION_LIST_SIGNER_EKU)) {
        return err(
          refused(
            source,
            `its signer ${certificate.subject} (serial ${certificate.serialNumber}) is not a Deviation List Signer (its extendedKeyUsage lacks ${DEVIATION_LIST_SIGNER_EKU})`,
          ),
        );
      }
      if (signer.signingTime !== null && signer.signingTime.getTime() > now.getTime() + CLOCK_TOLERANCE_MS) {
        return err(
          refused(
            source,
            `its signingTime ${signer.signingTime.toISOString()} is later than the clock (${now.toISOString()})`,
          ),
        );
      }
      const at = signer.signingTime ?? now;
      if (!validAt(certificate, at)) {
        return err(
          refused(
            source,
            `its signer ${certificate.subject} is valid from ${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()}, not at ${at.toISOString()}`,
          ),
        );
      }
      const check = trusted.verifyCertificate(certificate);
      if (check.status !== "verified") {
        return err(
          refused(
            source,
            `its signer ${certificate.subject} is not issued by a trusted CSCA: ${check.reason}`,
          ),
        );
      }
      if (!mayIssueCertificates(check.by)) {
        return err(refused(source, `the CSCA ${check.by.subject} of its signer may not issue certificates`));
      }
      if (!validAt(check.by, at)) {
        return err(
          refused(source, `the CSCA ${check.by.subject} of its signer is not valid at ${at.toISOString()}`),
        );
      }
      csca ??= check.by;
    }
  }
  const rows = list.deviations.reduce((n, d) => n + d.descriptions.length, 0);
  return ok({
    report: {
      source,
      digest: list.digest,
      deviations: list.deviations.length,
      rows,
      signature: options.verify ? "verified" : "not_checked",
      signer: first?.certificate.subject ?? null,
      csca: csca?.subject ?? null,
      signingTime: first?.signingTime?.toISOString() ?? null,
    },
    signer: first?.certificate ?? null,
    csca,
  });
}

/** The `deviation_list` rows of an admitted list: one per deviation description. */
export function deviationListRows(
  list: DeviationList,
  admitted: { readonly report: DeviationListReport; readonly signer: CertificateSummary | null },
  updatedAt: Date,
  newId: () => string = randomUUID,
): DeviationListRow[] {
  const signer = admitted.signer;
  const rows: DeviationListRow[] = [];
  for (const deviation of list.deviations) {
    const dsc = deviation.dsc;
    for (const description of deviation.descriptions) {
      rows.push({
        id: newId(),
        list_digest: list.digest,
        source: admitted.report.source,
        status: admitted.report.signature === "verified" ? "verified" : "unverifiable",
        country: signer === null ? null : rfc4514Country(signer.issuer),
        signer_subject: signer?.subject ?? null,
        signer_issuer: signer?.issuer ?? null,
        signer_isn: signer?.serialNumber ?? null,
        signing_time: admitted.report.signingTime === null ? null : new Date(admitted.report.signingTime),
        document_type: deviation.documentType,
        dsc_issuer: dsc?.kind === "issuerAndSerialNumber" ? dsc.issuer : null,
        dsc_x_500_issuer: dsc?.kind === "issuerAndSerialNumber" ? dsc.issuerDer : null,
        dsc_isn: dsc?.kind === "issuerAndSerialNumber" ? dsc.serialNumber : null,
        dsc_subject_key_identifier: dsc?.kind === "subjectKeyIdentifier" ? dsc.keyIdentifier : null,
        dsc_certificate_digest: dsc?.kind === "certificateDigest" ? dsc.digest : null,
        digest_algorithm: list.digestAlgorithm,
        issued_from: deviation.issuedFrom,
        issued_to: deviation.issuedTo,
        document_numbers: deviation.documentNumbers,
        deviation_type: description.deviationType,
        description: description.description,
        parameters: description.parameters,
        national_use: description.nationalUse,
        updated_at: updatedAt,
      });
    }
  }
  return rows;
}
