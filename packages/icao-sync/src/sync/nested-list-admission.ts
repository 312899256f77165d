import { err, ok, type Result } from "@certs/result";
import type { LdifMasterList } from "../parse/ldif.js";
import type { MasterList } from "../parse/master-list.js";
import type { TrustedCscas } from "../verify/trusted-cscas.js";
import { verifyMasterList } from "../verify/verify-master-list.js";
import { strictFailure } from "./crl-admission.js";
import type { NestedListCounts, RefusedInput } from "./verification-report.js";

/** Options of `NestedListAdmission`. */
export interface NestedListAdmissionOptions {
  /** False (`verify: false`) stores every nested list unchecked. */
  readonly verify: boolean;
  /** An untrusted nested list fails the sync instead of being left out. */
  readonly strict: boolean;
  readonly clock: () => Date;
}

/** A nested list admitted to the store, with the verification that admitted it (null: verification off). */
export interface AdmittedList {
  readonly masterList: MasterList;
  readonly detail: string | null;
}

/**
 * Decides which master lists nested in LDIF (collection 002) are trusted: a list whose signature verifies and
 * whose signer chains, at its signing time, to a trusted CSCA of the country the PKD files it under (the
 * entry's `c=`). A trusted list's CSCAs become trusted CSCAs themselves, so later lists, DSCs and CRLs of
 * that country can chain through them. The others are not stored, counted and reported.
 */
export class NestedListAdmission {
  readonly counts: { verified: number; untrusted: number } = { verified: 0, untrusted: 0 };
  readonly refused: RefusedInput[] = [];

  constructor(
    private readonly trusted: TrustedCscas,
    private readonly options: NestedListAdmissionOptions,
  ) {}

  /** Ok(list): store its CSCAs; ok(null): leave it out (reported); err: the sync fails (`strict`). */
  admit(nested: LdifMasterList, source: string): Result<AdmittedList | null> {
    if (!this.options.verify) return ok({ masterList: nested.masterList, detail: null });
    const country = nested.country;
    const anchors = country === null ? [] : this.trusted.ofCountry(country);
    if (anchors.length === 0) {
      return this.refuse(
        nested,
        source,
        country === null
          ? "its LDIF entry names no country (c=), so no CSCA can vouch for it"
          : `no trusted CSCA of ${country} to chain its signer to`,
      );
    }
    const verified = verifyMasterList(nested.masterList, {
      trustAnchors: anchors,
      clock: this.options.clock,
    });
    if (!verified.ok) return this.refuse(nested, source, verified.error.message);
    this.counts.verified += 1;
    for (const csca of nested.masterList.cscas) this.trusted.add(csca);
    const path = verified.value.signers[0]?.chain;
    const anchor = path?.status === "verified" ? path.path[path.path.length - 1] : undefined;
    return ok({
      masterList: { ...nested.masterList, verification: verified.value },
      detail: anchor === undefined ? null : `list signer chains to ${anchor.subject}`,
    });
  }

  report(): NestedListCounts {
    return { ...this.counts };
  }

  private refuse(nested: LdifMasterList, source: string, reason: string): Result<AdmittedList | null> {
    this.counts.untrusted += 1;
    const signer = nested.masterList.signerCertificates[0]?.subject ?? "an unknown signer";
    const refused: RefusedInput = { kind: "master_list", source, subject: signer, reason };
    this.refused.push(refused);
    if (this.options.strict) return err(strictFailure(refused));
    return ok(null);
  }
}
