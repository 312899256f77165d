import { appError, err, ErrorCode, type AppError, type Result } from "@certs/result";

/** A CONFIGURATION_ERROR about the embedded server, with the data directory in its details. */
export function configurationError(
  message: string,
  dataDir: string,
  cause?: unknown,
  extra: Record<string, unknown> = {},
): Result<never, AppError> {
  return err(
    appError(ErrorCode.CONFIGURATION_ERROR, message, {
      ...(cause === undefined ? {} : { cause }),
      details: { dataDir, ...extra },
    }),
  );
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
