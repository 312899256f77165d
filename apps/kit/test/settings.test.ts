import { z } from "zod";
import { describe, expect, it } from "vitest";
import { resolveSettings } from "../src/index.js";

const schema = z.object({
  batchSize: z.coerce.number().int().positive().default(32),
  output: z.string().default("pending/upload_failure"),
});
const sources = {
  batchSize: { flag: "--batch-size", env: "CERTS_BATCH_SIZE" },
  output: { flag: "--output", env: "CERTS_OUTPUT" },
};

describe("resolveSettings", () => {
  it("takes a flag over the environment, and the environment over the default", () => {
    const result = resolveSettings({
      schema,
      sources,
      flags: { batchSize: "100" },
      env: { CERTS_BATCH_SIZE: "7", CERTS_OUTPUT: "/srv/out" },
    });
    expect(result).toEqual(
      expect.objectContaining({ ok: true, value: { batchSize: 100, output: "/srv/out" } }),
    );
  });

  it("falls back to the defaults when nothing is given", () => {
    const result = resolveSettings({ schema, sources, flags: {}, env: {} });
    expect(result.ok && result.value).toEqual({ batchSize: 32, output: "pending/upload_failure" });
  });

  it("names the flag that holds a bad value", () => {
    const result = resolveSettings({ schema, sources, flags: { batchSize: "-3" }, env: {} });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("CONFIGURATION_ERROR");
      expect(result.error.message).toMatch(/^--batch-size: .* \(got "-3"\)\.$/);
    }
  });

  it("names the environment variable when the bad value came from there", () => {
    const result = resolveSettings({ schema, sources, flags: {}, env: { CERTS_BATCH_SIZE: "many" } });
    expect(!result.ok && result.error.message).toMatch(/^CERTS_BATCH_SIZE: /);
  });
});
