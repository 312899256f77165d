/** The statuses a destination certificate can have. */
export type CertificateStatus = "active" | "renewed" | "nullified" | "cancelled" | "blocked";

/** What the status of a legacy certificate depends on. */
export interface CertificateStatusInput {
  /** The record's `renewal_count`. */
  readonly renewalCount: number;
  /** The highest `renewal_count` among all legacy records of the same (normalised) ECU. */
  readonly maxRenewalCountForEcu: number;
  /** The record's `serialno`; NULL means the certificate was never printed. */
  readonly serialNumber: number | null;
  /** Whether the record has a real cancellation date (a zero date is not one). */
  readonly cancelled: boolean;
  /** The record's `activstate` (0 = deactivated). */
  readonly activeState: number;
}

/**
 * The destination status of a legacy certificate. The rules apply in order, each later one overriding the
 * earlier ones: renewed (an older renewal of its ECU) or active, then nullified (no serial), then cancelled,
 * then blocked (deactivated). So blocked > cancelled > nullified > renewed/active.
 */
export function certificateStatus(input: CertificateStatusInput): CertificateStatus {
  let status: CertificateStatus = input.renewalCount < input.maxRenewalCountForEcu ? "renewed" : "active";
  if (input.serialNumber === null) status = "nullified";
  if (input.cancelled) status = "cancelled";
  if (input.activeState === 0) status = "blocked";
  return status;
}

/**
 * Whether migrating the certificate must set its device's `blocked` flag: the record is deactivated, not
 * cancelled, and its device exists. (The flag is set in the certificate's own transaction.)
 */
export function deviceBlockRequired(input: {
  readonly activeState: number;
  readonly cancelled: boolean;
  readonly deviceFound: boolean;
}): boolean {
  return input.activeState === 0 && !input.cancelled && input.deviceFound;
}
