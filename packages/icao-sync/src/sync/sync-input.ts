/** A source given by name: a local path, a `file:` URL or an `http(s)://` URL. */
export type SourceLocation = string;

/** A source already in memory (for consumers that fetched it themselves); `name` is for reports and errors. */
export interface SourceBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** One input of a sync. */
export type SyncSource = SourceLocation | SourceBytes;

/** What a sync reads, by kind. Every list may be empty, but together they must name at least one source. */
export interface SyncInput {
  /** CSCA master lists (CMS SignedData as DER, PEM, base64, or a ZIP holding one): their certList goes to `root_ca`. */
  readonly masterLists?: readonly SyncSource[];
  /** ICAO PKD LDIF downloads: DSCs go to `dsc`, CRLs to `crls`, nested master lists' certificates to `root_ca`. */
  readonly ldif?: readonly SyncSource[];
  /** CRL files (DER or PEM). */
  readonly crls?: readonly SyncSource[];
  /** Certificates the master list signers must chain to (PEM or DER). */
  readonly trustAnchors?: readonly SyncSource[];
  /**
   * Operator CSCAs (PEM or DER, one or more certificates each): CSCAs a master list lacks. Stored in `root_ca`
   * (provenance `csca-file`, status `operator`) and trusted like anchors, so the DSCs, CRLs and deviation
   * lists they issued verify.
   */
  readonly cscas?: readonly SyncSource[];
  /** ICAO 9303-12 deviation lists (CMS SignedData, DER or PEM): stored in `deviation_list` once their signer verifies. */
  readonly deviationLists?: readonly SyncSource[];
}

/** The kinds of source a sync reads. */
export type SourceKind = "master_list" | "ldif" | "crl" | "trust_anchor" | "csca" | "deviation_list";
