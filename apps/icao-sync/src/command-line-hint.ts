import { NO_ANCHOR_ESCAPE } from "@certs/icao-sync";
import { type AppError, appError, ErrorCode } from "@certs/result";
import { escapeControlCharacters } from "./terminal-text.js";

/**
 * The library's error with what the user can do about it on the command line (the flags, not the options),
 * and any control characters of the names it quotes escaped for the terminal.
 */
export function withCommandLineHint(error: AppError): AppError {
  const hinted = withHint(error);
  const message = escapeControlCharacters(hinted.message);
  if (message === hinted.message) return hinted;
  return appError(hinted.code, message, {
    ...(hinted.cause === undefined ? {} : { cause: hinted.cause }),
    ...(hinted.details ? { details: { ...hinted.details } } : {}),
  });
}

function withHint(error: AppError): AppError {
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
