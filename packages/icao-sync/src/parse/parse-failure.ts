import { type AppError, appError, ErrorCode } from "@certs/result";
import { MalformedInputError } from "./malformed-input.js";

/**
 * Turns anything thrown while reading an input into a PARSE_ERROR naming the input. Errors other than our own
 * MalformedInputError (a RangeError from a decoder, say) also come from the bytes, so they are reported the same
 * way, with the original kept as `cause`.
 */
export function parseFailure(what: string, error: unknown, details?: Record<string, unknown>): AppError {
  const reason =
    error instanceof MalformedInputError ? error.message : `unexpected structure (${String(error)})`;
  return appError(ErrorCode.PARSE_ERROR, `The ${what} cannot be parsed: ${reason}.`, {
    cause: error,
    ...(details === undefined ? {} : { details }),
  });
}
