import type { CertificateSummary } from "../parse/certificate-summary.js";
import type { ParsedCrl } from "../parse/crl.js";
import type { PassiveAuthentication } from "./passive-auth-result.js";

/**
 * Decides the revocation of a DSC from the CRLs stored for its issuer (those whose AKI disagrees with the
 * DSC's are not its CSCA's): listed in any of them is `revoked`; otherwise the newest CRL decides between
 * `not_revoked` and `crl_stale` (its nextUpdate before `at`); none is `no_crl`.
 */
export function revocationStatus(
  dsc: CertificateSummary,
  crls: readonly ParsedCrl[],
  at: Date,
): PassiveAuthentication["revocation"] {
  const own = crls.filter(
    (crl) =>
      crl.authorityKeyIdentifier === null ||
      dsc.authorityKeyIdentifier === null ||
      crl.authorityKeyIdentifier === dsc.authorityKeyIdentifier,
  );
  if (own.length === 0) return { status: "no_crl", revokedAt: null, reason: null, crlNextUpdate: null };
  const newest = own.reduce((a, b) => (b.thisUpdate.getTime() > a.thisUpdate.getTime() ? b : a));
  const crlNextUpdate = newest.nextUpdate?.toISOString() ?? null;
  for (const crl of own) {
    const entry = crl.revoked.find((r) => r.serialNumber === dsc.serialNumber);
    if (entry !== undefined) {
      return {
        status: "revoked",
        revokedAt: entry.revocationDate.toISOString(),
        reason: entry.reason,
        crlNextUpdate,
      };
    }
  }
  const stale = newest.nextUpdate !== null && newest.nextUpdate.getTime() < at.getTime();
  return { status: stale ? "crl_stale" : "not_revoked", revokedAt: null, reason: null, crlNextUpdate };
}
