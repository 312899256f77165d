import { describe, expect, it } from "vitest";
import { tlsSettings, validateConnectionOptions } from "./connection-options.js";
import type { PostgresConnectionSpec, TlsMode } from "./connection-url.js";

function spec(tls?: TlsMode): PostgresConnectionSpec {
  const base = { kind: "postgres", host: "h", port: 5432, user: "u", database: "d" } as const;
  return tls === undefined ? base : { ...base, tls };
}

describe("tlsSettings", () => {
  it("is off when neither the URL nor the options ask for TLS", () => {
    expect(tlsSettings(spec(), undefined)).toBeUndefined();
  });

  it("encrypts without checking the certificate for sslmode=require", () => {
    expect(tlsSettings(spec("require"), undefined)).toEqual({ rejectUnauthorized: false });
  });

  it("checks the certificate chain but not the host name for verify-ca", () => {
    const settings = tlsSettings(spec("verify-ca"), { ca: "PEM" });
    expect(settings?.rejectUnauthorized).toBe(true);
    expect(settings?.ca).toBe("PEM");
    expect(settings?.checkServerIdentity?.("other.host", {} as never)).toBeUndefined();
  });

  it("turns TLS on with full verification when only options are given", () => {
    expect(tlsSettings(spec(), { ca: "CA", cert: "CERT", key: "KEY", servername: "db.internal" })).toEqual({
      rejectUnauthorized: true,
      ca: "CA",
      cert: "CERT",
      key: "KEY",
      servername: "db.internal",
    });
  });

  it("keeps TLS off when the URL says sslmode=disable", () => {
    expect(tlsSettings(spec("disable"), { ca: "CA" })).toBeUndefined();
  });

  it("lets rejectUnauthorized in the options override the URL's mode", () => {
    expect(tlsSettings(spec("verify-full"), { rejectUnauthorized: false })?.rejectUnauthorized).toBe(false);
  });
});

describe("validateConnectionOptions", () => {
  it("accepts positive whole numbers", () => {
    expect(validateConnectionOptions({ poolSize: 4, connectTimeoutMs: 1000, statementTimeoutMs: 5 }).ok).toBe(
      true,
    );
  });

  it("names the first unusable number", () => {
    const result = validateConnectionOptions({ poolSize: 0 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("CONFIGURATION_ERROR");
      expect(result.error.message).toBe("database option poolSize must be a whole number above 0, got 0");
    }
    const fractional = validateConnectionOptions({ statementTimeoutMs: 1.5 });
    expect(!fractional.ok && fractional.error.message).toContain("statementTimeoutMs");
  });
});
