import { appError } from "@certs/result";
import { describe, expect, it } from "vitest";
import { formatFailure } from "../src/index.js";

describe("formatFailure", () => {
  it("is one line with the code, the message and the cause, without the password", () => {
    const cause = new Error(
      "connect ECONNREFUSED for mysql://app:s3cret@db.example:3306/certs\n    at stack",
    );
    const line = formatFailure(appError("DATABASE_ERROR", "could not reach the database", { cause }));
    expect(line.split("\n")).toHaveLength(1);
    expect(line).toMatch(/^error: DATABASE_ERROR: could not reach the database \(connect ECONNREFUSED/);
    expect(line).not.toContain("s3cret");
  });

  it("adds the stack only when verbose", () => {
    const cause = new Error("boom");
    expect(formatFailure(appError("FILE_ERROR", "x", { cause }), true).split("\n").length).toBeGreaterThan(1);
  });
});
