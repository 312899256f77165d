import { beforeAll, describe, expect, it } from "vitest";
import { parseCrl } from "./crl.js";
import { generateIcaoPki, type IcaoPki, issueCrl } from "../testing/index.js";

let pki: IcaoPki;
beforeAll(() => {
  pki = generateIcaoPki({ seed: "crl", extraCountries: 0, rsaModulusLength: 1024 });
});

function crlOf(code: string) {
  const generated = pki.countries.find((c) => c.code === code)?.crl;
  if (generated === undefined) throw new Error(`no CRL for ${code}`);
  const parsed = parseCrl(generated.der);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { generated, parsed: parsed.value };
}

describe("parseCrl", () => {
  it("names every RFC 5280 reason code in snake_case, and null for an entry without one", () => {
    const { parsed } = crlOf("NL");
    expect(parsed.revoked.map((e) => e.reason)).toEqual([
      "unspecified",
      "key_compromise",
      "ca_compromise",
      "affiliation_changed",
      "superseded",
      "cessation_of_operation",
      "certificate_hold",
      "remove_from_crl",
      "privilege_withdrawn",
      "aa_compromise",
      null,
    ]);
  });

  it("reads serials as Python hex() and revocation dates as UTC, GeneralizedTime included", () => {
    const { parsed } = crlOf("NL");
    expect(parsed.revoked[0]).toEqual({
      serialNumber: "0x3e8",
      revocationDate: new Date("2025-05-31T12:00:00.000Z"),
      reason: "unspecified",
    });
    expect(parsed.revoked[10]).toEqual({
      serialNumber: "-0x4e",
      revocationDate: new Date("2051-03-04T05:06:07.000Z"),
      reason: null,
    });
  });

  it.each([
    ["AL", "AL", "CN=CSCA ALB,O=Ministry of Interior,C=al"],
    ["LT", "LTU", "CN=CSCA LTU,O=Republic of Lithuania,C=LTU"],
    ["IT", null, "CN=CSCA No Country,O=Istituto Poligrafico"],
  ])("the country of the %s CRL is its issuer's C upper-cased, or null (%s)", (code, country, issuer) => {
    const { parsed } = crlOf(code);
    expect(parsed.country).toBe(country);
    expect(parsed.issuer).toBe(issuer);
  });

  it("keeps the CRL's exact DER and reads thisUpdate and nextUpdate", () => {
    const { generated, parsed } = crlOf("UA");
    expect(Buffer.from(parsed.der).equals(Buffer.from(generated.der))).toBe(true);
    expect(parsed.thisUpdate).toEqual(generated.thisUpdate);
    expect(parsed.nextUpdate).toEqual(generated.nextUpdate);
    expect(parsed.revoked.length).toBe(generated.entries.length);
  });

  it("reads a CRL without revoked entries", () => {
    expect(crlOf("VA").parsed.revoked).toEqual([]);
  });

  it("accepts PEM", () => {
    const { generated } = crlOf("UA");
    const pem = `-----BEGIN X509 CRL-----\n${Buffer.from(generated.der).toString("base64")}\n-----END X509 CRL-----\n`;
    const parsed = parseCrl(Buffer.from(pem));
    expect(parsed.ok && parsed.value.issuer).toBe("CN=CSCA-UKRAINE,O=State Migration Service,C=UA");
  });

  it("refuses a reason code RFC 5280 does not define", () => {
    const issuer = pki.quirks["explicit-ca-false"];
    const crl = issueCrl(
      issuer,
      [{ serialNumber: 5n, revocationDate: new Date("2024-01-01T00:00:00Z"), reasonCode: 7 }],
      {
        thisUpdate: new Date("2024-01-02T00:00:00Z"),
        nextUpdate: new Date("2024-02-02T00:00:00Z"),
      },
    );
    const parsed = parseCrl(crl.der);
    expect(!parsed.ok && parsed.error.code).toBe("PARSE_ERROR");
    expect(!parsed.ok && parsed.error.message).toContain("unknown reason code 7");
  });

  it("refuses a certificate given as a CRL", () => {
    const parsed = parseCrl(pki.anchor.der);
    expect(!parsed.ok && parsed.error.code).toBe("PARSE_ERROR");
  });
});
