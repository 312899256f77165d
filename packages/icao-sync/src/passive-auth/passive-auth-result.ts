import type { StoredDeviation } from "../trust-store/trust-store-reader.js";

/** The outcome of one check: `not_found` when what it needs (a DSC, a stored CSCA) is not there. */
export type CheckStatus = "verified" | "invalid" | "not_found";

/**
 * Revocation of the DSC by the stored CRLs of its CSCA: `revoked` (listed), `not_revoked` (a current CRL does
 * not list it), `no_crl` (the store has no CRL of that CSCA), `crl_stale` (not listed, but the newest CRL is
 * past its nextUpdate).
 */
export type RevocationStatus = "revoked" | "not_revoked" | "no_crl" | "crl_stale";

/** Whether a data group's bytes hash to the value the SOD signs; `not_checked` when not given, `not_found` when the SOD has no hash for it. */
export type DataGroupStatus = "verified" | "invalid" | "not_checked" | "not_found";

/** One data group of the result. */
export interface DataGroupCheck {
  readonly number: number;
  /** The SOD's hash algorithm as node:crypto names it (e.g. `sha256`), or its OID when unsupported. */
  readonly algorithm: string;
  readonly status: DataGroupStatus;
}

/** Validity of the DSC at one time: null when that time is not known (an SOD without signingTime). */
export type ValidityStatus = "valid" | "not_yet_valid" | "expired";

/** What passive authentication established about one document (JSON-ready: times are ISO 8601 UTC). */
export interface PassiveAuthentication {
  /** True when every check passed: `problems` is empty. */
  readonly valid: boolean;
  /** `sod`: an EF.SOD or bare SignedData was checked; `dsc`: a DSC certificate alone (no SOD signature). */
  readonly kind: "sod" | "dsc";
  /** The SOD signature (messageDigest and signed attributes) with its DSC; `not_found` without a DSC, or for `kind: "dsc"`. */
  readonly sodSignature: CheckStatus;
  /** The DSC's signature by a stored CSCA of its own country; `not_found` when no stored CSCA has its issuer's name and key identifier. */
  readonly chain: CheckStatus;
  /** e.g. `ECDSA with sha256`; null when the signature was not checked. */
  readonly signatureAlgorithm: string | null;
  /** The signingTime signed attribute, or null. */
  readonly signingTime: string | null;
  /** The stored CSCA the chain ends at (the self-signed one, when link certificates lead to it). */
  readonly csca: {
    readonly subject: string;
    readonly isn: string;
    /** Its `root_ca.source` column (and provenance status, when stored), e.g. `icao-masterlist (anchor)`. */
    readonly source: string | null;
    /** Subjects and serials of the stored link certificates between the DSC and `subject`, DSC side first. */
    readonly links: readonly { readonly subject: string; readonly isn: string }[];
  } | null;
  readonly dsc: {
    readonly subject: string;
    readonly isn: string;
    readonly notBefore: string;
    readonly notAfter: string;
    /** At the signingTime; null when the SOD has none. */
    readonly atSigning: ValidityStatus | null;
    /** At the time of the check. */
    readonly now: ValidityStatus;
  } | null;
  readonly revocation: {
    readonly status: RevocationStatus;
    readonly revokedAt: string | null;
    readonly reason: string | null;
    /** nextUpdate of the newest CRL consulted. */
    readonly crlNextUpdate: string | null;
  };
  /** Every data group the SOD lists, and any given that it does not, by number. */
  readonly dataGroups: readonly DataGroupCheck[];
  /** Stored deviation-list entries that affect the DSC (ICAO 9303-12); empty when the store has none. */
  readonly deviations: readonly StoredDeviation[];
  /** Why `valid` is false, one sentence each. */
  readonly problems: readonly string[];
  /** What did not make the document invalid but a reader should know (expired now, no CRL, a stale CRL). */
  readonly notes: readonly string[];
}
