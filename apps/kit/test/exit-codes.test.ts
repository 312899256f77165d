import { appError, ErrorCode } from "@certs/result";
import { describe, expect, it } from "vitest";
import { ExitCode, exitCodeFor } from "../src/index.js";

describe("exitCodeFor", () => {
  it("gives 2 for bad usage or configuration, 130 for a cancelled job, and 1 for any other failure", () => {
    const table = Object.fromEntries(
      Object.values(ErrorCode).map((code) => [code, exitCodeFor(appError(code, "x"))]),
    );
    expect(table).toEqual({
      VALIDATION_ERROR: 2,
      CONFIGURATION_ERROR: 2,
      CANCELLED: 130,
      DATA_ERROR: 1,
      DOWNLOAD_ERROR: 1,
      PARSE_ERROR: 1,
      SIGNATURE_ERROR: 1,
      DATABASE_ERROR: 1,
      FILE_ERROR: 1,
      MAPPING_ERROR: 1,
      TIMEOUT: 1,
      UNEXPECTED_ERROR: 1,
    });
  });

  it("treats a code a domain added as a failed job", () => {
    expect(exitCodeFor({ code: "CT_LOG_GONE" })).toBe(ExitCode.FAILED);
  });
});
