import { err, ok, type Result } from "@certs/result";
import type { LdifCertificate } from "../parse/ldif.js";
import type { Provenance } from "../trust-store/trust-store-rows.js";
import type { IssuerCheck, TrustedCscas } from "../verify/trusted-cscas.js";
import { strictFailure } from "./crl-admission.js";
import type { DscVerificationCounts, RefusedInput } from "./verification-report.js";

/** Options of `DscAdmission`. */
export interface DscAdmissionOptions {
  /** False (`verify: false`) stores every DSC unchecked (as `unverifiable`). */
  readonly verify: boolean;
  /** A DSC left out because it is invalid or unverifiable fails the sync instead. */
  readonly strict: boolean;
  /** Store DSCs no trusted CSCA of their issuer can check (status `unverifiable`). */
  readonly keepUnverifiable: boolean;
  /** Leave collection 003 (non-conformant) DSCs out. */
  readonly excludeNonConformant: boolean;
  /** At most this many refusals are listed (all are counted). */
  readonly maxListed: number;
}

/**
 * Decides which LDIF DSCs enter `dsc`: one whose signature a trusted CSCA of its issuer verifies (issuer name,
 * AKI/SKI, then the signature) is stored; one that no trusted CSCA can check is stored only with
 * `keepUnverifiable`; one that a candidate CSCA exists for but whose signature fails (or that is not an X.509
 * certificate) never is. Validity periods are not checked: an expired DSC still verifies passports it signed.
 */
export class DscAdmission {
  readonly counts: { -readonly [K in keyof DscVerificationCounts]: number } = {
    verified: 0,
    unverifiable: 0,
    invalid: 0,
    nonConformant: 0,
    barCodeSigners: 0,
  };
  readonly refused: RefusedInput[] = [];

  constructor(
    private readonly trusted: TrustedCscas,
    private readonly options: DscAdmissionOptions,
  ) {}

  /** Counts Bar Code Signer certificates, which are never DSCs. */
  barCodeSigners(count: number): void {
    this.counts.barCodeSigners += count;
  }

  /** Whether `admit` will look at the DSC's signature (verification on, and not left out as non-conformant). */
  needsCheck(dsc: LdifCertificate): boolean {
    return this.options.verify && !(dsc.collection === "003" && this.options.excludeNonConformant);
  }

  /**
   * Ok(provenance): store it; ok(null): leave it out (counted, reported); err: the sync fails (`strict`).
   * `checked` is the outcome of its signature check when the caller made it already (in a worker thread).
   */
  admit(dsc: LdifCertificate, source: string, checked?: IssuerCheck): Result<Provenance | null> {
    const nonConformant = dsc.collection === "003";
    if (nonConformant) this.counts.nonConformant += 1;
    if (nonConformant && this.options.excludeNonConformant) return ok(null);
    const base = {
      source,
      collection: dsc.collection,
      conformanceCode: dsc.conformanceCodes.length === 0 ? null : dsc.conformanceCodes.join("\n"),
      conformanceText: dsc.conformanceTexts.length === 0 ? null : dsc.conformanceTexts.join("\n"),
      pkdVersion: dsc.pkdVersion,
    };
    if (!this.options.verify) {
      this.counts.unverifiable += 1;
      return ok({ ...base, status: "unverifiable", detail: "verification off" });
    }
    const check = checked ?? this.trusted.verifyCertificate(dsc.certificate);
    if (check.status === "verified") {
      this.counts.verified += 1;
      return ok({
        ...base,
        status: "verified",
        detail: `signed by ${check.by.subject} (serial ${check.by.serialNumber})`,
      });
    }
    if (check.status === "unverifiable") {
      this.counts.unverifiable += 1;
      if (this.options.keepUnverifiable) {
        return ok({ ...base, status: "unverifiable", detail: check.reason });
      }
    } else {
      this.counts.invalid += 1;
    }
    const refused: RefusedInput = {
      kind: "dsc",
      source,
      subject: dsc.certificate.subject,
      reason: check.reason,
      status: check.status,
    };
    if (this.refused.length < this.options.maxListed) this.refused.push(refused);
    if (this.options.strict) return err(strictFailure(refused));
    return ok(null);
  }

  report(): DscVerificationCounts {
    return { ...this.counts };
  }
}
