import { NO_ANCHOR_ESCAPE } from "@certs/icao-sync";
import { type AppError, appError, ErrorCode } from "@certs/result";

/** The library's error with what the user can do about it on the command line (the flags, not the options). */
export function withCommandLineHint(error: AppError): AppError {
  const options = {
    ...(error.cause === undefined ? {} : { cause: error.cause }),
    ...(error.details ? { details: { ...error.details } } : {}),
  };
  if (error.code === ErrorCode.SIGNATURE_ERROR && error.message.includes(NO_ANCHOR_ESCAPE)) {
    return appError(
      error.code,
      error.message.replace(NO_ANCHOR_ESCAPE, "with --trust-anchor (or --allow-unanchored, or --no-verify)"),
      options,
    );
  }
  if (error.code === ErrorCode.SIGNATURE_ERROR) {
    return appError(
      error.code,
      `${error.message} Give the certificate the list must chain to with --trust-anchor, or import it unverified with --no-verify.`,
      options,
    );
  }
  if (error.message.includes("(allowEmpty to force)")) {
    return appError(
      error.code,
      error.message.replace("(allowEmpty to force)", "(--allow-empty to force)"),
      options,
    );
  }
  return error;
}
