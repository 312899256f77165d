import { AsnConvert } from "@peculiar/asn1-schema";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "./certificate-summary.js";
import { buildName, type GeneratedCertificate, generateIcaoPki, type IcaoPki } from "../testing/index.js";

let pki: IcaoPki;
beforeAll(() => {
  pki = generateIcaoPki({ seed: "certificate-summary", extraCountries: 0 });
});

function summary(certificate: GeneratedCertificate) {
  const parsed = parseCertificate(certificate.der);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

const hex = (bytes: Uint8Array | null): string | null =>
  bytes === null ? null : Buffer.from(bytes).toString("hex");

// Expected issuers were checked against Python cryptography 48 `Name.rfc4514_string()` on these names.
describe("the issuer is rendered as Python cryptography's rfc4514_string()", () => {
  it.each([
    ["lowercase-country", "CN=CSCA ALB,O=Ministry of Interior,C=al"],
    ["no-country", "CN=CSCA No Country,O=Istituto Poligrafico"],
    ["three-letter-country", "CN=CSCA LTU,O=Republic of Lithuania,C=LTU"],
    [
      "escaped-values",
      'CN=Nul\\00Char=Equals,OU=\\ leading space,O=\\#Hash\\, \\"Quotes\\" \\+ Plus\\; Semi \\<Angle\\> Back\\\\slash\\ ,C=UT',
    ],
    [
      "multi-valued-rdn",
      "2.5.4.97=NTRGR-123,2.5.4.5=007+CN=CSCA Greece,1.2.840.113549.1.9.1=csca@example.org,UID=csca-gr,DC=example," +
        "STREET=1 Example Street,ST=Attica,L=Αθήνα,OU=Cafe Societe,O=Ελληνική Δημοκρατία,C=GR",
    ],
    ["explicit-ca-false", "CN=CSCA-UKRAINE,O=State Migration Service,C=UA"],
    ["link-certificate", "2.5.4.5=6,CN=CSCA NL,O=Kingdom of the Netherlands,C=NL"],
  ] as const)("%s", (quirk, expected) => {
    expect(summary(pki.quirks[quirk]).issuer).toBe(expected);
  });

  it("a T61String in Latin-1 (which Python refuses to decode) is read as Latin-1 instead of failing", () => {
    expect(summary(pki.quirks["no-key-identifiers"]).issuer).toBe("CN=CSCA VA,O=Città del Vaticano,C=VA");
  });
});

describe("isn is the serial number as Python's hex() writes it", () => {
  it.each([
    ["lowercase-country", "-0x4e"],
    ["no-country", "0x0"],
    ["three-letter-country", "-0x3efffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeee"],
    ["multi-valued-rdn", "0xff"],
    ["explicit-ca-false", "0x2a"],
    ["no-key-identifiers", "0x7fffffff"],
    ["link-certificate", "0x8"],
  ] as const)("%s", (quirk, expected) => {
    expect(summary(pki.quirks[quirk]).serialNumber).toBe(expected);
  });
});

describe("key identifiers", () => {
  it("are lowercase hex of the keyIdentifier octets", () => {
    const csca = pki.quirks["lowercase-country"];
    const parsed = summary(csca);
    expect(parsed.subjectKeyIdentifier).toBe(hex(csca.subjectKeyIdentifier));
    expect(parsed.subjectKeyIdentifier).toMatch(/^[0-9a-f]{40}$/);
    expect(parsed.authorityKeyIdentifier).toBe(hex(csca.subjectKeyIdentifier));
  });

  it("are still read when BasicConstraints encodes cA FALSE explicitly (which strict parsers reject)", () => {
    const csca = pki.quirks["explicit-ca-false"];
    const basicConstraintsWithExplicitFalse = Buffer.from("0603551d130101ff040530030101", "hex");
    expect(Buffer.from(csca.der).includes(basicConstraintsWithExplicitFalse)).toBe(true);
    const parsed = summary(csca);
    expect(parsed.subjectKeyIdentifier).toBe(hex(csca.subjectKeyIdentifier));
    expect(parsed.authorityKeyIdentifier).toBe(hex(csca.subjectKeyIdentifier));
  });

  it("a link certificate's AKI names the older generation and its SKI the newer", () => {
    const nl = pki.countries.find((c) => c.code === "NL");
    const [older, newer] = nl?.cscas ?? [];
    const parsed = summary(pki.quirks["link-certificate"]);
    expect(parsed.authorityKeyIdentifier).toBe(hex(older?.subjectKeyIdentifier ?? null));
    expect(parsed.subjectKeyIdentifier).toBe(hex(newer?.subjectKeyIdentifier ?? null));
    expect(parsed.subject).toBe("2.5.4.5=7,CN=CSCA NL,O=Kingdom of the Netherlands,C=NL");
  });

  it("are null when the certificate has no SKI or AKI extension", () => {
    const parsed = summary(pki.quirks["no-key-identifiers"]);
    expect(parsed.subjectKeyIdentifier).toBeNull();
    expect(parsed.authorityKeyIdentifier).toBeNull();
  });
});

describe("byte fields are the certificate's own bytes", () => {
  it("x_500_issuer is the issuer Name DER as written in the certificate, der is the whole certificate", () => {
    for (const csca of Object.values(pki.quirks)) {
      const parsed = summary(csca);
      const issuerDer = new Uint8Array(AsnConvert.serialize(buildName(csca.issuerName)));
      expect(Buffer.from(parsed.issuerDer).equals(Buffer.from(issuerDer))).toBe(true);
      expect(Buffer.from(csca.der).includes(Buffer.from(parsed.issuerDer))).toBe(true);
      expect(Buffer.from(parsed.der).equals(Buffer.from(csca.der))).toBe(true);
    }
  });

  it("validity dates are read as UTC instants", () => {
    const csca = pki.quirks["no-country"];
    const parsed = summary(csca);
    expect(parsed.notBefore.toISOString()).toBe(csca.notBefore.toISOString());
    expect(parsed.notAfter.toISOString()).toBe(csca.notAfter.toISOString());
  });
});

describe("parseCertificate input handling", () => {
  it("accepts PEM", () => {
    const csca = pki.quirks["explicit-ca-false"];
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(csca.der)
      .toString("base64")
      .replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;
    const parsed = parseCertificate(Buffer.from(pem));
    expect(parsed.ok && parsed.value.serialNumber).toBe("0x2a");
  });

  it("refuses bytes after the certificate with a PARSE_ERROR", () => {
    const parsed = parseCertificate(Buffer.concat([pki.anchor.der, Buffer.from([0x00])]));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error.code).toBe("PARSE_ERROR");
    expect(!parsed.ok && parsed.error.message).toMatch(
      /^The certificate cannot be parsed: .*unexpected bytes/,
    );
  });
});
