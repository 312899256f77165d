import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { PendingSelection } from "./migration-session.js";

/** Which legacy records a run goes through (both modes). */
export interface RunSelectionOptions {
  /** Only this ECU (trimmed, case-insensitive). */
  readonly ecu?: string;
  /** Only these legacy ids. */
  readonly ids?: readonly number[];
  /** At most this many certificates are attempted. */
  readonly limit?: number;
  /** Only the records that failed in earlier runs. */
  readonly retryFailed?: boolean;
}

/** Checks the selection options; a bad one is a CONFIGURATION_ERROR naming it. */
export function validateSelection(options: RunSelectionOptions): Result<PendingSelection> {
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 0)) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        `limit must be a non-negative whole number, not ${options.limit}.`,
      ),
    );
  }
  const badId = options.ids?.find((id) => !Number.isSafeInteger(id));
  if (badId !== undefined) {
    return err(appError(ErrorCode.CONFIGURATION_ERROR, `ids must be whole numbers; ${badId} is not.`));
  }
  if (options.ecu !== undefined && options.ecu.trim() === "") {
    return err(appError(ErrorCode.CONFIGURATION_ERROR, "The ECU filter is empty."));
  }
  return ok({
    ...(options.ecu === undefined ? {} : { ecu: options.ecu }),
    ...(options.ids === undefined ? {} : { ids: options.ids }),
    ...(options.retryFailed === true ? { retryFailed: true } : {}),
  });
}

/** The selection as text, for the report's Summary sheet. */
export function describeSelection(options: RunSelectionOptions): Record<string, string> {
  const text: Record<string, string> = { retryFailed: String(options.retryFailed ?? false) };
  if (options.ecu !== undefined) text["ecu"] = options.ecu.trim();
  if (options.ids !== undefined) text["ids"] = options.ids.join(",");
  if (options.limit !== undefined) text["limit"] = String(options.limit);
  return text;
}
