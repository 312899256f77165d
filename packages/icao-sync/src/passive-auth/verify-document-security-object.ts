import { createHash, timingSafeEqual } from "node:crypto";
import { err, ok, type Result } from "@certs/result";
import type { CertificateSummary } from "../parse/certificate-summary.js";
import { parseFailure } from "../parse/parse-failure.js";
import { type ParseLimits, resolveParseLimits } from "../parse/parse-limits.js";
import type { StoredDeviation, TrustStoreLookup } from "../trust-store/trust-store-reader.js";
import {
  checkSignerSignatures,
  CLOCK_TOLERANCE_MS,
  findSignerCertificate,
} from "../verify/master-list-verification.js";
import { digestName, type HashName } from "../verify/signature-algorithm.js";
import { type DocumentInput, readDocumentInput } from "./document-input.js";
import { findIssuingCsca } from "./issuing-csca.js";
import type {
  CheckStatus,
  DataGroupCheck,
  PassiveAuthentication,
  ValidityStatus,
} from "./passive-auth-result.js";
import { revocationStatus } from "./revocation-status.js";

/** Options of `verifyDocumentSecurityObject`. */
export interface PassiveAuthOptions {
  /** "Now": the time validity and CRL freshness are judged at; default `clock()`. */
  readonly at?: Date;
  /** The data groups read from the chip, by number (the bytes of each EF.DGn, tag and length included). */
  readonly dataGroups?: ReadonlyMap<number, Uint8Array> | Readonly<Record<number, Uint8Array>>;
  /** Default the system clock. */
  readonly clock?: () => Date;
  readonly limits?: Partial<ParseLimits>;
}

function validity(certificate: CertificateSummary, at: Date): ValidityStatus {
  if (at.getTime() < certificate.notBefore.getTime()) return "not_yet_valid";
  if (at.getTime() > certificate.notAfter.getTime()) return "expired";
  return "valid";
}

function givenDataGroups(options: PassiveAuthOptions): Map<number, Uint8Array> {
  const given = options.dataGroups;
  if (given === undefined) return new Map();
  if (given instanceof Map) return new Map(given);
  return new Map(Object.entries(given).map(([n, bytes]) => [Number(n), bytes as Uint8Array]));
}

function checkDataGroups(
  input: Extract<DocumentInput, { kind: "sod" }>,
  given: ReadonlyMap<number, Uint8Array>,
  problems: string[],
): DataGroupCheck[] {
  let hash: HashName | null = null;
  try {
    hash = digestName({ oid: input.lds.hashAlgorithm, parameters: null });
  } catch {
    if (given.size > 0)
      problems.push(`the SOD's data group hash algorithm ${input.lds.hashAlgorithm} is not supported`);
  }
  const algorithm = hash ?? input.lds.hashAlgorithm;
  const checks: DataGroupCheck[] = input.lds.dataGroups.map((group) => {
    const bytes = given.get(group.number);
    if (bytes === undefined || hash === null)
      return { number: group.number, algorithm, status: "not_checked" };
    const actual = createHash(hash).update(bytes).digest();
    const matches = actual.length === group.hash.length && timingSafeEqual(actual, group.hash);
    if (!matches) problems.push(`DG${group.number} does not match its hash in the SOD`);
    return { number: group.number, algorithm, status: matches ? "verified" : "invalid" };
  });
  for (const number of [...given.keys()].sort((a, b) => a - b)) {
    if (input.lds.dataGroups.some((g) => g.number === number)) continue;
    problems.push(`DG${number} was given but the SOD has no hash for it`);
    checks.push({ number, algorithm, status: "not_found" });
  }
  return checks;
}

/** The SOD's signature with its DSC (the embedded one, else one stored in `dsc`). */
async function checkSodSignature(
  reader: TrustStoreLookup,
  input: Extract<DocumentInput, { kind: "sod" }>,
  problems: string[],
): Promise<
  Result<{
    status: CheckStatus;
    dsc: CertificateSummary | null;
    algorithm: string | null;
    signingTime: Date | null;
  }>
> {
  const signerInfos = input.content.signerInfos;
  const signer = signerInfos[0];
  if (signer === undefined || signerInfos.length !== 1) {
    problems.push(`the SOD has ${signerInfos.length} SignerInfos; ICAO 9303-10 asks for exactly one`);
    return ok({ status: "invalid", dsc: null, algorithm: null, signingTime: null });
  }
  let dsc = findSignerCertificate(signer, input.certificates) ?? null;
  if (dsc === null) {
    const stored = await reader.dscsBySignerIdentifier(signer.signerIdentifier);
    if (!stored.ok) return stored;
    dsc =
      findSignerCertificate(
        signer,
        stored.value.map((s) => s.certificate),
      ) ?? null;
  }
  if (dsc === null) {
    problems.push("the SOD's DSC is neither in the SOD nor in the stored DSCs");
    return ok({ status: "not_found", dsc: null, algorithm: null, signingTime: null });
  }
  const checked = checkSignerSignatures(input.content, [dsc], [], "SOD");
  if (!checked.ok) {
    problems.push(checked.error.message);
    return ok({
      status: "invalid",
      dsc,
      algorithm: null,
      signingTime: signer.signedAttributes?.signingTime ?? null,
    });
  }
  const [check] = checked.value;
  return ok({
    status: "verified",
    dsc,
    algorithm: check?.scheme.name ?? null,
    signingTime: check?.signingTime ?? null,
  });
}

/**
 * Passive authentication (ICAO 9303-11 5.1) of an EF.SOD (with or without its 0x77 wrapper), a bare CMS
 * SignedData SOD, or a DSC certificate alone, against a synced trust store: the SOD signature with its DSC
 * (signed attributes and messageDigest, with the master-list verifier's algorithms), the DSC's signature by a
 * stored CSCA of its country (through stored link certificates), the DSC's validity at the signingTime and at
 * `at`, its revocation by the stored CRLs, and the data group hashes given. A document that fails a check is
 * an `ok` result with `valid: false` and the reasons in `problems`; input that is no SOD or certificate is a
 * PARSE_ERROR, a store that cannot be read a DATABASE_ERROR. Never throws.
 */
export async function verifyDocumentSecurityObject(
  reader: TrustStoreLookup,
  sodBytes: Uint8Array,
  options: PassiveAuthOptions = {},
): Promise<Result<PassiveAuthentication>> {
  const at = options.at ?? (options.clock ?? (() => new Date()))();
  let input: DocumentInput;
  try {
    input = readDocumentInput(sodBytes, resolveParseLimits(options.limits));
  } catch (error) {
    return err(parseFailure("document", error));
  }
  const problems: string[] = [];
  const notes: string[] = [];
  const given = givenDataGroups(options);

  let sodSignature: CheckStatus = "not_found";
  let dsc: CertificateSummary | null = null;
  let signatureAlgorithm: string | null = null;
  let signingTime: Date | null = null;
  let dataGroups: DataGroupCheck[] = [];
  if (input.kind === "sod") {
    const signature = await checkSodSignature(reader, input, problems);
    if (!signature.ok) return signature;
    ({ status: sodSignature, dsc, algorithm: signatureAlgorithm, signingTime } = signature.value);
    dataGroups = checkDataGroups(input, given, problems);
  } else {
    dsc = input.certificate;
    if (given.size > 0)
      problems.push("data groups were given, but a DSC certificate has no hashes to check them against");
  }

  let chain: CheckStatus = "not_found";
  let csca: PassiveAuthentication["csca"] = null;
  let revocation: PassiveAuthentication["revocation"] = {
    status: "no_crl",
    revokedAt: null,
    reason: null,
    crlNextUpdate: null,
  };
  let deviations: readonly StoredDeviation[] = [];
  let dscFacts: PassiveAuthentication["dsc"] = null;
  if (dsc !== null) {
    const search = await findIssuingCsca(reader, dsc);
    if (!search.ok) return search;
    chain = search.value.status;
    if (search.value.status === "verified") {
      const path = search.value.path;
      const root = path[path.length - 1] ?? path[0];
      if (root !== undefined) {
        csca = {
          subject: root.certificate.subject,
          isn: root.certificate.serialNumber,
          source:
            root.source === null
              ? root.provenance
              : `${root.source}${root.provenance === null ? "" : ` (${root.provenance})`}`,
          links: path.slice(0, -1).map((link) => ({
            subject: link.certificate.subject,
            isn: link.certificate.serialNumber,
          })),
        };
      }
    } else {
      problems.push(`The DSC chain is not valid: ${search.value.reason}.`);
    }

    const atSigning = signingTime === null ? null : validity(dsc, signingTime);
    const now = validity(dsc, at);
    dscFacts = {
      subject: dsc.subject,
      isn: dsc.serialNumber,
      notBefore: dsc.notBefore.toISOString(),
      notAfter: dsc.notAfter.toISOString(),
      atSigning,
      now,
    };
    if (signingTime !== null && signingTime.getTime() > at.getTime() + CLOCK_TOLERANCE_MS) {
      problems.push(`the SOD's signingTime ${signingTime.toISOString()} is later than ${at.toISOString()}`);
    }
    if (atSigning !== null && atSigning !== "valid") {
      problems.push(
        `the DSC was ${atSigning === "expired" ? "expired" : "not yet valid"} at the signingTime ${signingTime?.toISOString()}`,
      );
    }
    if (atSigning === null && now !== "valid") {
      problems.push(
        `the SOD has no signingTime and the DSC is ${now === "expired" ? "expired" : "not yet valid"} at ${at.toISOString()}`,
      );
    } else if (now !== "valid") {
      notes.push(
        `the DSC is ${now === "expired" ? "expired" : "not yet valid"} at ${at.toISOString()} (valid when it signed)`,
      );
    }
    if (atSigning === null)
      notes.push("the SOD has no signingTime: the DSC's validity was judged at the time of the check");

    const crls = await reader.crlsByIssuer(dsc.issuer);
    if (!crls.ok) return crls;
    revocation = revocationStatus(
      dsc,
      crls.value.map((c) => c.crl),
      at,
    );
    if (revocation.status === "revoked") {
      problems.push(
        `the DSC is revoked since ${revocation.revokedAt}${revocation.reason === null ? "" : ` (${revocation.reason})`}`,
      );
    } else if (revocation.status === "no_crl") {
      notes.push(`the store has no CRL of ${dsc.issuer}`);
    } else if (revocation.status === "crl_stale") {
      notes.push(`the newest stored CRL of ${dsc.issuer} was due for renewal at ${revocation.crlNextUpdate}`);
    }

    const found = await reader.deviationsFor(dsc);
    if (!found.ok) return found;
    deviations = found.value;
    if (deviations.length > 0)
      notes.push(`a stored deviation list names this DSC (${deviations.map((d) => d.oid).join(", ")})`);
  }

  return ok({
    valid: problems.length === 0,
    kind: input.kind,
    sodSignature,
    chain,
    signatureAlgorithm,
    signingTime: signingTime?.toISOString() ?? null,
    csca,
    dsc: dscFacts,
    revocation,
    dataGroups,
    deviations,
    problems,
    notes,
  });
}
