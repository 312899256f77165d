import { z } from "zod";
import { describe, expect, it } from "vitest";
import {
  DATABASE_SETTINGS,
  LOGGING_SETTINGS,
  listOf,
  oneOf,
  positiveWholeNumber,
  resolveSettings,
  wholeNumber,
  yesNo,
} from "../src/index.js";

const schema = z.object({
  ...LOGGING_SETTINGS,
  ...DATABASE_SETTINGS,
  batchSize: positiveWholeNumber(100_000).default(32),
  sleepMs: wholeNumber({ min: 0 }).default(2000),
  output: z.string().default("pending/upload_failure"),
  mode: oneOf(["auto", "interactive"]).optional(),
  verify: yesNo(true),
  header: listOf(/\n/, z.string().regex(/^[A-Za-z-]+:\s*\S/, 'must look like "Name: value"')),
  legacy: z.string().min(1).optional(),
});
const sources = {
  batchSize: { flag: "--batch-size", env: "CERTS_BATCH_SIZE" },
  sleepMs: { flag: "--sleep-ms", env: "CERTS_SLEEP_MS" },
  output: { flag: "--output", env: "CERTS_OUTPUT" },
  mode: { flag: "--mode", env: "CERTS_MODE" },
  verify: { flag: "--no-verify", env: "CERTS_VERIFY" },
  header: { flag: "--header", env: "CERTS_HEADERS" },
  legacy: { flag: "--legacy-db" },
};

/** The message of a refused setting, or the settings themselves. */
function resolve(flags: Record<string, unknown>, env: Record<string, string> = {}) {
  const result = resolveSettings({ schema, sources, flags, env });
  return result.ok ? result.value : `${result.error.code}: ${result.error.message}`;
}

describe("resolveSettings", () => {
  it("takes a flag over the environment, and the environment over the default", () => {
    expect(resolve({ batchSize: "100" }, { CERTS_BATCH_SIZE: "7", CERTS_OUTPUT: "/srv/out" })).toMatchObject({
      batchSize: 100,
      output: "/srv/out",
    });
  });

  it("falls back to the defaults when nothing is given, and knows the common flags' variables", () => {
    expect(resolve({}, { CERTS_LOG_LEVEL: "warn", CERTS_DATA_DIR: "/var/certs" })).toMatchObject({
      batchSize: 32,
      output: "pending/upload_failure",
      logLevel: "warn",
      verbose: false,
      dataDir: "/var/certs",
      verify: true,
      header: [],
    });
  });

  it("says in plain words what is wrong, naming the flag and what was given", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ batchSize: "x" }, "--batch-size must be a whole number, got 'x'."],
      [{ batchSize: "1.5" }, "--batch-size must be a whole number, got '1.5'."],
      [{ batchSize: "1e3" }, "--batch-size must be a whole number, got '1e3'."],
      [{ batchSize: "0" }, "--batch-size must be at least 1, got '0'."],
      [{ batchSize: "200000" }, "--batch-size must be at most 100000, got '200000'."],
      [{ sleepMs: "-1" }, "--sleep-ms must not be negative, got '-1'."],
      [{ mode: "fast" }, "--mode must be one of auto, interactive, got 'fast'."],
      [
        { logLevel: "loud" },
        "--log-level must be one of trace, debug, info, warn, error, fatal, silent, got 'loud'.",
      ],
      [{ header: ["no colon"] }, "--header must look like \"Name: value\", got 'no colon'."],
      [{ legacy: "" }, "--legacy-db must not be empty, got ''."],
      [
        { db: "mongodb://localhost/x" },
        "--db is not a usable database URL: database URL scheme 'mongodb:' is not supported; ",
      ],
    ];
    for (const [flags, message] of cases) {
      expect(resolve(flags)).toContain(`CONFIGURATION_ERROR: ${message}`);
    }
  });

  it("names the environment variable when the bad value came from there", () => {
    expect(resolve({}, { CERTS_BATCH_SIZE: "many" })).toBe(
      "CONFIGURATION_ERROR: CERTS_BATCH_SIZE must be a whole number, got 'many'.",
    );
    expect(resolve({}, { CERTS_VERIFY: "perhaps" })).toBe(
      "CONFIGURATION_ERROR: CERTS_VERIFY must be true or false (yes/no, 1/0), got 'perhaps'.",
    );
  });

  it("reads yes/no and lists from variables", () => {
    expect(resolve({}, { CERTS_VERIFY: "no", CERTS_HEADERS: "A: 1\n\nB: 2" })).toMatchObject({
      verify: false,
      header: ["A: 1", "B: 2"],
    });
  });
});
