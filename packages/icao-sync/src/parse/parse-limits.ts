/**
 * Bounds that keep a hostile or corrupt input from exhausting memory or time. Every parser in this package
 * checks them; the defaults fit the largest real inputs (the full ICAO PKD LDIF) with room to spare.
 */
export interface ParseLimits {
  /** Largest input accepted, in bytes (after PEM/base64/ZIP decoding for binary inputs). */
  readonly maxInputBytes: number;
  /** Deepest ASN.1 nesting accepted; real certificates and CMS stay below 20. */
  readonly maxDepth: number;
  /** Most ASN.1 elements one parse may visit. */
  readonly maxNodes: number;
  /** Largest uncompressed entry accepted from a ZIP archive, in bytes. */
  readonly maxZipEntryBytes: number;
}

/** The limits used when a caller gives none. */
export const defaultParseLimits: ParseLimits = Object.freeze({
  maxInputBytes: 512 * 1024 * 1024,
  maxDepth: 48,
  maxNodes: 20_000_000,
  maxZipEntryBytes: 256 * 1024 * 1024,
});

/** Fills in the defaults for the limits a caller left out. */
export function resolveParseLimits(limits: Partial<ParseLimits> | undefined): ParseLimits {
  return { ...defaultParseLimits, ...limits };
}
