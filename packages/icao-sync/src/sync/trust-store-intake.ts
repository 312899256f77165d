import { ok, type Result } from "@certs/result";
import type { ParsedCrl } from "../parse/crl.js";
import type { LdifCertificate, LdifMasterList, LdifRecordContent } from "../parse/ldif.js";
import type { MasterList } from "../parse/master-list.js";
import type { ProvenanceCollection, TrustStoreRowBuilder } from "../trust-store/trust-store-rows.js";
import type { TrustAnchor } from "../verify/certificate-chain.js";
import { type IssuerCheck, type SignatureTask, TrustedCscas } from "../verify/trusted-cscas.js";
import { CrlAdmission, type CrlAdmissionOptions } from "./crl-admission.js";
import { DscAdmission } from "./dsc-admission.js";
import { NestedListAdmission } from "./nested-list-admission.js";
import { RowBatch } from "./row-batch.js";
import type { DeviationList } from "../parse/deviation-list.js";
import type { DeviationListRow } from "../trust-store/deviation-list-store.js";
import {
  admitDeviationList,
  type DeviationListReport,
  deviationListRows,
} from "./deviation-list-admission.js";
import {
  type ListVerificationReport,
  reportListVerification,
  type VerificationReport,
} from "./verification-report.js";

/** Per DSC and per CRL of an LDIF entry, in entry order: a signature check (to make, or made), or null (none). */
export interface EntryChecks<Check> {
  readonly dscs: readonly (Check | null)[];
  readonly crls: readonly (Check | null)[];
}

/** Refused inputs listed in a report, per kind; the counts cover them all. */
export const MAX_REFUSED_REPORTED = 100;

/** Options of `TrustStoreIntake`. */
export interface IntakeOptions extends Omit<CrlAdmissionOptions, "stored"> {
  readonly stored: CrlAdmissionOptions["stored"];
  /** Store DSCs that no trusted CSCA can check. */
  readonly keepUnverifiableDsc: boolean;
  /** Leave collection 003 DSCs out. */
  readonly excludeNonConformant: boolean;
}

/**
 * Everything a sync admits into the trust store, in the order it reads it, each stored row with its
 * provenance: master list files (their certList becomes trusted CSCAs when their signer chained to an anchor),
 * then LDIF entries (nested lists, then DSCs and CRLs, each checked against the CSCAs trusted so far), then
 * CRL files. Rows collect in `batch`; the decisions are counted for the verification report.
 */
export class TrustStoreIntake {
  readonly trusted = new TrustedCscas();
  readonly batch: RowBatch;
  readonly lists: ListVerificationReport[] = [];
  // The anchors' DER: one or a few, compared byte for byte with a CSCA only when the lengths agree.
  private readonly anchorDers: Buffer[] = [];
  private readonly crlAdmission: CrlAdmission;
  private readonly dscAdmission: DscAdmission;
  private readonly nestedAdmission: NestedListAdmission;
  private readonly pendingListCrls: { crl: ParsedCrl; source: string }[] = [];
  /** The `deviation_list` rows of the deviation lists admitted so far. */
  readonly deviationRows: DeviationListRow[] = [];
  private readonly deviationReports: DeviationListReport[] = [];

  constructor(
    builder: TrustStoreRowBuilder,
    anchors: readonly TrustAnchor[],
    private readonly options: IntakeOptions,
  ) {
    this.batch = new RowBatch(builder);
    for (const anchor of anchors) {
      this.trusted.add(anchor.certificate, anchor.publicKey);
      this.anchorDers.push(Buffer.from(anchor.certificate.der));
    }
    this.crlAdmission = new CrlAdmission(this.trusted, options);
    this.dscAdmission = new DscAdmission(this.trusted, {
      verify: options.verify,
      strict: options.strict,
      keepUnverifiable: options.keepUnverifiableDsc,
      excludeNonConformant: options.excludeNonConformant,
      maxListed: MAX_REFUSED_REPORTED,
    });
    this.nestedAdmission = new NestedListAdmission(this.trusted, options);
  }

  /**
   * A master list file that parsed (and, with verification on, verified): its CSCAs are stored and, when
   * verified, trusted. Its SignedData.crls wait for `settleListCrls`, so that CSCAs of later lists count.
   */
  masterListFile(name: string, list: MasterList): void {
    const chained = list.verification?.chainChecked === true;
    const report = reportListVerification(name, list);
    this.lists.push(report);
    const signer = report.signers[0];
    const detail = !this.options.verify
      ? "verification off"
      : chained
        ? `list signer ${signer?.subject ?? "?"} chains to ${signer?.chainPath[signer.chainPath.length - 1] ?? "?"}`
        : (signer?.chainNote ?? "the list signer's chain was not checked");
    for (const csca of list.cscas) {
      const anchor = this.anchorDers.some((der) => der.length === csca.der.length && der.equals(csca.der));
      this.batch.certificate("root_ca", csca, {
        source: name,
        collection: "ml",
        status: anchor ? "anchor" : chained ? "verified" : "unverifiable",
        detail: anchor ? "a configured trust anchor" : detail,
      });
      // Its signer chained to an anchor (or the caller allowed lists without one): its certList is trusted.
      if (this.options.verify) this.trusted.add(csca);
    }
    for (const crl of list.crls) this.pendingListCrls.push({ crl, source: `${name} (SignedData.crls)` });
  }

  /**
   * An operator CSCA (given by the operator, not by a list): stored in `root_ca` as `operator` unless a list
   * already stored the same DER, and trusted like an anchor.
   */
  operatorCsca(name: string, csca: TrustAnchor): void {
    this.batch.certificate("root_ca", csca.certificate, {
      source: name,
      collection: "csca-file",
      status: "operator",
      detail: "a CSCA the operator added",
    });
    this.trusted.add(csca.certificate, csca.publicKey);
  }

  /**
   * A parsed deviation list: its rows are kept for `deviation_list` when its signer verifies (see
   * `admitDeviationList`); otherwise the SIGNATURE_ERROR is returned and nothing of it is kept.
   */
  deviationList(name: string, list: DeviationList, updatedAt: Date): Result<void> {
    const admitted = admitDeviationList(list, name, this.trusted, {
      verify: this.options.verify,
      clock: this.options.clock,
    });
    if (!admitted.ok) return admitted;
    this.deviationReports.push(admitted.value.report);
    this.deviationRows.push(...deviationListRows(list, admitted.value, updatedAt));
    return ok(undefined);
  }

  /** Admits the SignedData.crls of the master list files read so far (they are not covered by the list's signature). */
  settleListCrls(): Result<void> {
    for (const { crl, source } of this.pendingListCrls.splice(0)) {
      const admitted = this.crl(crl, source, "ml");
      if (!admitted.ok) return admitted;
    }
    return ok(undefined);
  }

  /** A nested master list (collection 002): stored only if trusted (see `NestedListAdmission`). */
  nestedList(file: string, nested: LdifMasterList): Result<void> {
    const source = `${file} (${nested.dn})`;
    const admitted = this.nestedAdmission.admit(nested, source);
    if (!admitted.ok) return admitted;
    if (admitted.value === null) {
      this.lists.push(nestedReport(reportListVerification(source, nested.masterList), "untrusted"));
      return ok(undefined);
    }
    const list = admitted.value.masterList;
    this.lists.push(
      nestedReport(reportListVerification(source, list), this.options.verify ? "verified" : null),
    );
    for (const csca of list.cscas) {
      this.batch.certificate("root_ca", csca, {
        source: file,
        collection: "002",
        status: this.options.verify ? "verified" : "unverifiable",
        pkdVersion: nested.pkdVersion,
        detail: admitted.value.detail ?? "verification off",
      });
    }
    for (const crl of list.crls) {
      const crlAdmitted = this.crl(crl, source, "002", file);
      if (!crlAdmitted.ok) return crlAdmitted;
    }
    return ok(undefined);
  }

  /**
   * A DSC whose DER the caller has already deduplicated (`isNew` true): stored if admitted. `checkedNew`
   * false makes the batch deduplicate it.
   */
  dsc(file: string, dsc: LdifCertificate, checkedNew: boolean, checked?: IssuerCheck): Result<void> {
    const admitted = this.dscAdmission.admit(dsc, `${file} (${dsc.dn})`, checked);
    if (!admitted.ok) return admitted;
    if (admitted.value === null) return ok(undefined);
    const provenance = { ...admitted.value, source: file };
    if (checkedNew) this.batch.knownNewCertificate("dsc", dsc.certificate, provenance);
    else this.batch.certificate("dsc", dsc.certificate, provenance);
    return ok(undefined);
  }

  /**
   * The DSCs, CRLs and nested lists of one LDIF entry. `checks` (from `prepareChecks`, settled) holds the
   * signature checks the caller made already; without it they are made here.
   */
  ldifEntry(
    file: string,
    entry: LdifRecordContent,
    dscsCheckedNew: boolean,
    checks?: EntryChecks<IssuerCheck>,
  ): Result<void> {
    this.dscAdmission.barCodeSigners(entry.barCodeSigners);
    for (const nested of entry.masterLists) {
      const admitted = this.nestedList(file, nested);
      if (!admitted.ok) return admitted;
    }
    for (const [i, dsc] of entry.dscs.entries()) {
      const admitted = this.dsc(file, dsc, dscsCheckedNew, checks?.dscs[i] ?? undefined);
      if (!admitted.ok) return admitted;
    }
    for (const [i, crl] of entry.crls.entries()) {
      const admitted = this.crl(crl.crl, `${file} (${crl.dn})`, "001", file, checks?.crls[i] ?? undefined);
      if (!admitted.ok) return admitted;
    }
    return ok(undefined);
  }

  /**
   * What admitting the DSCs and CRLs of an entry without nested lists will need checked: per item, the
   * outcome decided without a signature check, the signature still to check, or null (no check at all).
   * Made against the CSCAs trusted now, which only a nested list changes.
   */
  prepareChecks(entry: LdifRecordContent): EntryChecks<IssuerCheck | SignatureTask> {
    return {
      dscs: entry.dscs.map((dsc) =>
        this.dscAdmission.needsCheck(dsc) ? this.trusted.prepareCertificate(dsc.certificate) : null,
      ),
      crls: entry.crls.map((crl) => (this.options.verify ? this.trusted.prepareCrl(crl.crl) : null)),
    };
  }

  /** A CRL from any input: stored only if admitted (see `CrlAdmission`). */
  crl(
    crl: ParsedCrl,
    source: string,
    collection: ProvenanceCollection,
    sourceName = source,
    checked?: IssuerCheck,
  ): Result<void> {
    const admitted = this.crlAdmission.admit(crl, source, checked);
    if (!admitted.ok) return admitted;
    if (admitted.value !== null) {
      this.batch.crl(crl, {
        source: sourceName,
        collection,
        status: admitted.value.status,
        detail: admitted.value.detail,
      });
    }
    return ok(undefined);
  }

  /** The verification report of everything admitted or refused so far. */
  report(enabled: boolean): VerificationReport {
    return {
      enabled,
      lists: [...this.lists],
      crls: this.crlAdmission.report(),
      dscs: this.dscAdmission.report(),
      nestedLists: this.nestedAdmission.report(),
      deviationLists: [...this.deviationReports],
      refused: [
        ...this.nestedAdmission.refused.slice(0, MAX_REFUSED_REPORTED),
        ...this.crlAdmission.refused.slice(0, MAX_REFUSED_REPORTED),
        ...this.dscAdmission.refused,
      ],
    };
  }
}

/** What a verification report says about a master list nested in an LDIF entry. */
function nestedReport(
  report: ListVerificationReport,
  trust: "verified" | "untrusted" | null,
): ListVerificationReport {
  return { ...report, ...(trust === null ? {} : { trust }) };
}
