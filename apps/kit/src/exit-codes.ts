/** Exit codes every @certs app uses. */
export const ExitCode = {
  /** The job did what was asked. */
  OK: 0,
  /** The job ran and failed (or left work undone). */
  FAILED: 1,
  /** Bad usage or configuration: nothing was done. */
  USAGE: 2,
  /** Stopped by Ctrl+C (128 + SIGINT). */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM (128 + SIGTERM). */
  TERMINATED: 143,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
