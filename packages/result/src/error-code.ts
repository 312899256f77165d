/**
 * The error codes shared by every `@certs` package. Apps map a code to an exit status and a one-line message;
 * a domain may add codes of its own, which is why `AppError.code` is a plain string.
 */
export const ErrorCode = Object.freeze({
  /** An argument or option the caller passed breaks a rule the caller can fix (a negative batch size). */
  VALIDATION_ERROR: "VALIDATION_ERROR",
  /** Data read while working breaks a rule: a row that cannot be exported, sources that yield nothing. */
  DATA_ERROR: "DATA_ERROR",
  /** A setting (flag, environment variable, connection URL, mapping file) is missing or malformed. */
  CONFIGURATION_ERROR: "CONFIGURATION_ERROR",
  /** A network transfer failed: connection refused, HTTP error status, body too large or cut short. */
  DOWNLOAD_ERROR: "DOWNLOAD_ERROR",
  /** Bytes or text could not be decoded: JSON, CSV, LDIF, DER/ASN.1, CMS. */
  PARSE_ERROR: "PARSE_ERROR",
  /** A signature did not verify, or its signer does not chain to a trusted anchor. */
  SIGNATURE_ERROR: "SIGNATURE_ERROR",
  /** A database operation failed: connection, query, constraint, deadlock or transaction. */
  DATABASE_ERROR: "DATABASE_ERROR",
  /** A file or directory could not be read, written, renamed or removed. */
  FILE_ERROR: "FILE_ERROR",
  /** A legacy record has no counterpart in the destination (unknown device, customer or technician). */
  MAPPING_ERROR: "MAPPING_ERROR",
  /** The caller's `AbortSignal` fired before the work finished. */
  CANCELLED: "CANCELLED",
  /** An operation ran longer than the time it was given. */
  TIMEOUT: "TIMEOUT",
  /** A bug: code threw where a `Result` was expected, for example inside an `AsyncResult` callback. */
  UNEXPECTED_ERROR: "UNEXPECTED_ERROR",
} as const);

/** One of the documented error codes, e.g. `"PARSE_ERROR"`. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
