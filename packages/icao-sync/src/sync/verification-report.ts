import type { MasterList } from "../parse/master-list.js";
import type { DeviationListReport } from "./deviation-list-admission.js";

/** What was established about one signer of a master list. */
export interface SignerReport {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  /** e.g. `ECDSA with sha256`. */
  readonly signatureAlgorithm: string;
  /** The signingTime attribute (ISO 8601 UTC), or null when the signer gave none. */
  readonly signingTime: string | null;
  readonly chain: "verified" | "not_checked";
  /** When the chain was checked at (ISO 8601 UTC); null when it was not checked. */
  readonly chainCheckedAt: string | null;
  /** Subjects from the signer's issuer up to the trust anchor. */
  readonly chainPath: readonly string[];
  /** Why the chain was not checked; null when it was. */
  readonly chainNote: string | null;
}

/** The verification outcome of one master list (a file, or one nested in an LDIF download). */
export interface ListVerificationReport {
  /** The source it came from; for nested lists, the source and the LDIF entry's DN. */
  readonly source: string;
  /** Lowercase hex SHA-256 of the list's DER. */
  readonly digest: string;
  /** Distinct certificates in its certList. */
  readonly certificates: number;
  /** certList entries that repeated an earlier one byte for byte. */
  readonly duplicates: number;
  /** The ICAO 9303-12 structure is always checked; a list that fails it is refused. */
  readonly structure: "valid";
  /** `not_checked` only when verification was switched off. */
  readonly signature: "verified" | "not_checked";
  /** `verified` when every signer chained to a trust anchor. */
  readonly chain: "verified" | "not_checked";
  readonly signers: readonly SignerReport[];
  /**
   * Nested lists only: `verified` when the signer chains to a trusted CSCA of the list's country (its CSCAs
   * stored and trusted), `untrusted` when not (nothing of it stored; the reason is in `refused`).
   */
  readonly trust?: "verified" | "untrusted";
}

/** An input left out of the trust store, and why. */
export interface RefusedInput {
  readonly kind: "crl" | "dsc" | "master_list";
  /** The source it came from (and, for LDIF, its entry). */
  readonly source: string;
  /** The CRL's issuer, the DSC's subject, or the nested list's signer. */
  readonly subject: string;
  readonly reason: string;
  /** For a DSC: `invalid` (never stored) or `unverifiable` (stored only with keepUnverifiableDsc). */
  readonly status?: "invalid" | "unverifiable";
}

/**
 * What happened to the LDIF DSCs of a sync. `verified`, `unverifiable` and `invalid` count every DSC checked
 * (001 and 003); `nonConformant` counts the collection 003 DSCs read (with excludeNonConformant they are not
 * checked, and not stored); `barCodeSigners` the `o=bcsc`/`o=bcsc-nc` certificates, never stored as DSCs.
 */
export interface DscVerificationCounts {
  /** Signed by a trusted CSCA of their issuer: stored. */
  readonly verified: number;
  /** No trusted CSCA of their issuer (or an algorithm that cannot be checked): stored only with keepUnverifiableDsc. */
  readonly unverifiable: number;
  /** A trusted CSCA of their issuer exists and the signature does not verify, or not an X.509 certificate: never stored. */
  readonly invalid: number;
  readonly nonConformant: number;
  readonly barCodeSigners: number;
}

/** What happened to the master lists nested in LDIF (collection 002). */
export interface NestedListCounts {
  /** Signed by a signer that chains to a trusted CSCA of the list's country: their CSCAs stored and trusted. */
  readonly verified: number;
  /** Not stored: their signature or their signer's chain to a trusted CSCA of their country failed. */
  readonly untrusted: number;
}

/** What happened to the CRLs of a sync: `stale` ones are among the `verified` (stored) ones. */
export interface CrlVerificationCounts {
  readonly verified: number;
  /** Not stored: no trusted CSCA verifies them, or their thisUpdate is in the future. */
  readonly invalid: number;
  /** Stored although their nextUpdate has passed. */
  readonly stale: number;
  /** Stored although older than the stored CRL of their issuer (allowCrlRollback). */
  readonly rolledBack: number;
}

/** The verification outcome of a whole sync or inspection. */
export interface VerificationReport {
  /** False when the caller switched verification off (`verify: false`). */
  readonly enabled: boolean;
  readonly lists: readonly ListVerificationReport[];
  readonly crls: CrlVerificationCounts;
  readonly dscs: DscVerificationCounts;
  readonly nestedLists: NestedListCounts;
  /** The deviation lists read, each verified (or not checked, with verification off) and stored. */
  readonly deviationLists: readonly DeviationListReport[];
  /** What was left out of the trust store, and why (the first 100 of each kind). */
  readonly refused: readonly RefusedInput[];
}

/** Describes a parsed master list's verification in plain JSON terms. */
export function reportListVerification(source: string, list: MasterList): ListVerificationReport {
  const verification = list.verification;
  const signers: SignerReport[] = (verification?.signers ?? []).map((signer) => ({
    subject: signer.certificate.subject,
    issuer: signer.certificate.issuer,
    serialNumber: signer.certificate.serialNumber,
    signatureAlgorithm: signer.signatureAlgorithm,
    signingTime: signer.signingTime?.toISOString() ?? null,
    chain: signer.chain.status,
    chainCheckedAt: signer.chain.status === "verified" ? signer.chain.at.toISOString() : null,
    chainPath: signer.chain.status === "verified" ? signer.chain.path.map((c) => c.subject) : [],
    chainNote: signer.chain.status === "verified" ? null : signer.chain.reason,
  }));
  return {
    source,
    digest: list.digest,
    certificates: list.cscas.length,
    duplicates: list.duplicates,
    structure: "valid",
    signature: verification === null ? "not_checked" : "verified",
    chain: verification?.chainChecked === true ? "verified" : "not_checked",
    signers,
  };
}
