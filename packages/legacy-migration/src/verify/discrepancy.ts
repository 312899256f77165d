/** What kind of difference verification found. */
export type DiscrepancyKind =
  /** A destination column differs from what the rules give for the legacy record. */
  | "column_differs"
  /** The ledger names a certificate the destination does not have. */
  | "certificate_missing"
  /** The rules give a vehicle, the certificate has none (or points at a vehicle that is gone). */
  | "vehicle_missing"
  /** The certificate has a vehicle, though the record's vehicle type is empty. */
  | "unexpected_vehicle"
  /** The record is inactive and not cancelled, yet its device is not blocked. */
  | "device_not_blocked"
  /** The ledger has the record, but the rules (with today's mapping files) refuse it. */
  | "not_migratable"
  /** A failure row is kept for a certificate the ledger has. */
  | "failure_of_migrated"
  /** A vehicle no certificate points at, or whose certificate_id is not the certificate pointing at it. */
  | "orphan_vehicle"
  /** A certificate no ledger row names. */
  | "certificate_without_ledger"
  /** Two ledger rows name the same certificate. */
  | "duplicate_ledger_certificate"
  /** Several certificates share a serial number. */
  | "duplicate_serial"
  /** Several technicians share an email (case-insensitive) and dealer. */
  | "duplicate_technician";

/** One difference between the destination and what the migration's rules give for the legacy data. */
export interface Discrepancy {
  readonly kind: DiscrepancyKind;
  /** The legacy certificate id, when the difference belongs to one. */
  readonly legacyId: number | null;
  /** The destination certificate id, when known. */
  readonly certificateId: number | null;
  /** The destination table and column, for `column_differs` (and the row's table otherwise). */
  readonly table: string | null;
  readonly column: string | null;
  /** What the rules give, and what the destination holds, as text (null for SQL NULL). */
  readonly expected: string | null;
  readonly actual: string | null;
  /** One sentence for the operator. */
  readonly message: string;
}

/** What a verification counted and found. */
export interface VerificationSummary {
  /** True when no discrepancy was found. */
  readonly clean: boolean;
  /** Selected legacy records. */
  readonly legacyRecords: number;
  /** Of those, how many the ledger has (migrated by this library or imported from the old tool). */
  readonly ledgerRows: number;
  /** Of the ledger rows, those migrated by this library: each recomputed and compared column by column. */
  readonly recomputed: number;
  /** Of the ledger rows, those imported from the old tool's certificates_mappings.json: counted, not compared. */
  readonly imported: number;
  /** Selected records with a failure row. */
  readonly failures: number;
  /** Selected records neither in the ledger nor failed (never attempted, or skipped). */
  readonly pending: number;
  /** Destination rows the ledger rows of the selection point at. */
  readonly destinationCertificates: number;
  readonly destinationVehicles: number;
  /** Rows of the whole destination tables. */
  readonly tables: {
    readonly certificates: number;
    readonly vehicles: number;
    readonly technicians: number;
    readonly ledger: number;
    readonly failures: number;
  };
  /** Every discrepancy found, and how many of each kind. */
  readonly discrepancies: number;
  readonly discrepanciesByKind: Readonly<Partial<Record<DiscrepancyKind, number>>>;
  readonly elapsedMs: number;
  /** Selected legacy records verified per second. */
  readonly ratePerSecond: number;
  /** The discrepancy file, when one was asked for. */
  readonly reportPath?: string;
}
