import { createHash, type KeyObject, timingSafeEqual, X509Certificate } from "node:crypto";
import { type AppError, appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { CertificatePathFinder, type TrustAnchor } from "./certificate-chain.js";
import type { CertificateSummary } from "../parse/certificate-summary.js";
import type { MasterListContent } from "../parse/master-list-content.js";
import {
  digestName,
  resolveSignatureScheme,
  type SignatureScheme,
  UnsupportedAlgorithmError,
  verifySignature,
} from "./signature-algorithm.js";
import type { SignerInfo } from "../parse/signed-data.js";

/** Whether the signer's certificate was checked against trust anchors, and with what outcome. */
export type ChainCheck =
  | {
      readonly status: "verified";
      /** The time the chain was checked at (signingTime unless the caller gave another). */
      readonly at: Date;
      /** The issuers from the signer up to and including the trust anchor (empty when the signer is an anchor). */
      readonly path: readonly CertificateSummary[];
    }
  | { readonly status: "not_checked"; readonly reason: string };

/** One SignerInfo whose signature verified. */
export interface VerifiedSigner {
  readonly certificate: CertificateSummary;
  /** e.g. `ECDSA with sha256`, `RSASSA-PSS with sha256, salt 32`. */
  readonly signatureAlgorithm: string;
  /** The signingTime signed attribute, or null when the signer gave none. */
  readonly signingTime: Date | null;
  readonly chain: ChainCheck;
}

/** What verification established about a master list. */
export interface MasterListVerification {
  readonly signers: readonly VerifiedSigner[];
  /** True when every signer was chained to a trust anchor; false when no anchors were given. */
  readonly chainChecked: boolean;
}

/** Options of `verifyMasterList`. */
export interface VerifyOptions {
  readonly trustAnchors?: readonly TrustAnchor[];
  /** Check the chain at this time instead of the signingTime attribute. */
  readonly at?: Date;
  /** Used when the list has no signingTime and `at` is not given; defaults to the system clock. */
  readonly clock?: () => Date;
}

/** A signer whose signature verified, before its chain is looked at. */
export interface SignatureCheck {
  readonly certificate: CertificateSummary;
  readonly scheme: SignatureScheme;
  readonly signingTime: Date | null;
}

/** How far a signingTime or a CRL's thisUpdate may lie ahead of the clock (clock skew between machines). */
export const CLOCK_TOLERANCE_MS = 5 * 60 * 1000;

function failure(reason: string, details?: Record<string, unknown>, what = "master list"): AppError {
  return appError(ErrorCode.SIGNATURE_ERROR, `The ${what} signature is not valid: ${reason}.`, {
    ...(details === undefined ? {} : { details }),
  });
}

/**
 * Step 2 of verification: every SignerInfo's digest and signature. `what` names the signed object in the
 * messages (the passive authentication of an EF.SOD uses the same checks).
 */
export function checkSignerSignatures(
  content: MasterListContent,
  signerCertificates: readonly CertificateSummary[],
  otherCertificates: readonly CertificateSummary[] = [],
  what = "master list",
): Result<SignatureCheck[]> {
  const checks: SignatureCheck[] = [];
  for (const [index, signer] of content.signerInfos.entries()) {
    const check = checkOneSigner(content, signer, index, signerCertificates, otherCertificates, what);
    if (!check.ok) return check;
    checks.push(check.value);
  }
  if (checks.length === 0) return err(failure("it has no SignerInfo", undefined, what));
  return ok(checks);
}

function checkOneSigner(
  content: MasterListContent,
  signer: SignerInfo,
  index: number,
  signerCertificates: readonly CertificateSummary[],
  otherCertificates: readonly CertificateSummary[],
  what: string,
): Result<SignatureCheck> {
  const label = `SignerInfo ${index + 1}`;
  const signatureFailure = (reason: string, details?: Record<string, unknown>) =>
    failure(reason, details, what);
  const attributes = signer.signedAttributes;
  if (attributes === null)
    return err(signatureFailure(`${label} has no signed attributes, which ICAO 9303-12 requires`));
  if (attributes.problems.length > 0)
    return err(signatureFailure(`${label} ${attributes.problems.join(", ")}`));
  if (attributes.contentType !== content.eContentType) {
    return err(
      signatureFailure(
        `${label}'s contentType attribute (${attributes.contentType ?? "missing"}) does not name the signed content`,
      ),
    );
  }
  if (attributes.messageDigest === null)
    return err(signatureFailure(`${label} has no messageDigest attribute`));
  let scheme: SignatureScheme;
  let digest: Buffer;
  try {
    digest = createHash(digestName(signer.digestAlgorithm)).update(content.eContent).digest();
    scheme = resolveSignatureScheme(signer.signatureAlgorithm, signer.digestAlgorithm);
  } catch (error) {
    const reason =
      error instanceof UnsupportedAlgorithmError || error instanceof Error ? error.message : String(error);
    return err(signatureFailure(`${label} uses an algorithm that cannot be verified: ${reason}`));
  }
  if (
    digest.length !== attributes.messageDigest.length ||
    !timingSafeEqual(digest, attributes.messageDigest)
  ) {
    return err(
      signatureFailure(
        `the messageDigest of ${label} does not match the content, so the list was altered after signing`,
      ),
    );
  }

  const certificate =
    findSignerCertificate(signer, signerCertificates) ?? findSignerCertificate(signer, otherCertificates);
  if (certificate === undefined) {
    const id =
      signer.signerIdentifier.kind === "subjectKeyIdentifier"
        ? `subjectKeyIdentifier ${signer.signerIdentifier.keyIdentifier}`
        : `issuer ${signer.signerIdentifier.issuer} serial ${signer.signerIdentifier.serialNumber}`;
    return err(signatureFailure(`the certificate of ${label} (${id}) is not in the ${what}`));
  }
  let key: KeyObject;
  try {
    key = new X509Certificate(certificate.der).publicKey;
  } catch (error) {
    return err(
      signatureFailure(`the public key of signer ${certificate.subject} cannot be loaded: ${String(error)}`),
    );
  }
  let valid: boolean;
  try {
    valid = verifySignature(scheme, key, attributes.signedBytes, signer.signature);
  } catch {
    valid = false;
  }
  if (!valid) {
    return err(
      signatureFailure(
        `the ${scheme.name} signature of ${label} does not verify with the signer certificate ${certificate.subject}`,
        {
          signer: certificate.subject,
          algorithm: scheme.name,
        },
      ),
    );
  }
  return ok({ certificate, scheme, signingTime: attributes.signingTime });
}

/** The certificate a SignerInfo names (by SKI, or by issuer and serial number), if it is among `certificates`. */
export function findSignerCertificate(
  signer: SignerInfo,
  certificates: readonly CertificateSummary[],
): CertificateSummary | undefined {
  const id = signer.signerIdentifier;
  if (id.kind === "subjectKeyIdentifier")
    return certificates.find((c) => c.subjectKeyIdentifier === id.keyIdentifier);
  return certificates.find(
    (c) => c.serialNumber === id.serialNumber && Buffer.from(c.issuerDer).equals(Buffer.from(id.issuerDer)),
  );
}

/** Step 3 of verification: each verified signer's chain to the anchors, at the signing time. */
export function checkSignerChains(
  signers: readonly SignatureCheck[],
  pool: readonly CertificateSummary[],
  options: VerifyOptions,
): Result<MasterListVerification> {
  const now = (options.clock ?? (() => new Date()))();
  for (const signer of signers) {
    if (signer.signingTime !== null && signer.signingTime.getTime() > now.getTime() + CLOCK_TOLERANCE_MS) {
      return err(
        failure(
          `its signingTime ${signer.signingTime.toISOString()} is later than the clock (${now.toISOString()}); a list cannot have been signed in the future`,
          { signer: signer.certificate.subject, signingTime: signer.signingTime.toISOString() },
        ),
      );
    }
  }
  const anchors = options.trustAnchors ?? [];
  if (anchors.length === 0) {
    return ok({
      signers: signers.map((s) => ({
        certificate: s.certificate,
        signatureAlgorithm: s.scheme.name,
        signingTime: s.signingTime,
        chain: { status: "not_checked", reason: "no trust anchor was given" },
      })),
      chainChecked: false,
    });
  }
  const finder = new CertificatePathFinder(pool, anchors);
  const verified: VerifiedSigner[] = [];
  for (const signer of signers) {
    const at = options.at ?? signer.signingTime ?? (options.clock ?? (() => new Date()))();
    const search = finder.find(signer.certificate, at);
    if (!search.found) {
      return err(failure(search.reason, { signer: signer.certificate.subject, at: at.toISOString() }));
    }
    verified.push({
      certificate: signer.certificate,
      signatureAlgorithm: signer.scheme.name,
      signingTime: signer.signingTime,
      chain: { status: "verified", at, path: search.path },
    });
  }
  return ok({ signers: verified, chainChecked: true });
}
