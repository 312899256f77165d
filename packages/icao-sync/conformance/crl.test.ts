import { describe, expect, it } from "vitest";
import { buildTrustStoreRows, parseCrl } from "../src/index.js";
import { fixture } from "./fixtures.js";

describe("COL.crl", () => {
  const result = parseCrl(fixture("COL.crl"));
  if (!result.ok) throw new Error(result.error.message);
  const crl = result.value;

  it("is the Colombian CSCA CRL with 15 revoked entries and country CO", () => {
    expect(crl.issuer).toBe("CN=Government of Colombia CSCA,OU=Certification Authorities,O=Colombia,C=CO");
    expect(crl.country).toBe("CO");
    expect(crl.revoked.length).toBe(15);
    expect(crl.thisUpdate.toISOString().slice(0, 10)).toBe("2020-05-08");
    expect(crl.revoked[0]).toEqual({
      serialNumber: "0x55780b03",
      revocationDate: new Date("2020-03-09T21:19:27Z"),
      reason: null,
    });
    expect(crl.revoked.every((e) => e.reason === null)).toBe(true);
  });

  it("gives one crls row and 15 revoked rows pointing at it, all with country CO", () => {
    const rows = buildTrustStoreRows({ crls: [crl] }, { updatedAt: new Date("2026-01-01T00:00:00Z") });
    expect(rows.crls.length).toBe(1);
    expect(Buffer.from(rows.crls[0]?.crl ?? []).equals(fixture("COL.crl"))).toBe(true);
    expect(rows.revoked_certificate_list.length).toBe(15);
    expect(rows.revoked_certificate_list.every((r) => r.crl === rows.crls[0]?.id && r.country === "CO")).toBe(
      true,
    );
  });
});
