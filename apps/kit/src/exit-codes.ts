import { ErrorCode as Code } from "@certs/result";

/** Exit codes every @certs app uses. */
export const ExitCode = {
  /** The job did what was asked. */
  OK: 0,
  /** The job ran and failed, or left work undone, or found bad data while working. */
  FAILED: 1,
  /** Bad usage or configuration (flags, environment, mapping files, report path): nothing was done. */
  USAGE: 2,
  /** Stopped by Ctrl+C (128 + SIGINT). */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM (128 + SIGTERM). */
  TERMINATED: 143,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The one rule from a failure's code to the exit code, for every app. Codes that are not listed (DATA_ERROR,
 * MAPPING_ERROR, DATABASE_ERROR, FILE_ERROR, PARSE_ERROR, SIGNATURE_ERROR, DOWNLOAD_ERROR, TIMEOUT,
 * UNEXPECTED_ERROR, and any a domain adds) mean the job failed: 1.
 */
export const EXIT_CODE_BY_ERROR_CODE: Readonly<Record<string, ExitCode>> = Object.freeze({
  [Code.CONFIGURATION_ERROR]: ExitCode.USAGE,
  [Code.VALIDATION_ERROR]: ExitCode.USAGE,
  [Code.CANCELLED]: ExitCode.INTERRUPTED,
});

/** The exit code for a failure with this code (see {@link EXIT_CODE_BY_ERROR_CODE}). */
export function exitCodeFor(error: { readonly code: string }): ExitCode {
  return EXIT_CODE_BY_ERROR_CODE[error.code] ?? ExitCode.FAILED;
}
