import { beforeAll, describe, expect, it } from "vitest";
import { generateIcaoPki, type IcaoPki } from "../testing/index.js";
import { loadTrustAnchors } from "./trust-anchors.js";

let pki: IcaoPki;
beforeAll(() => {
  pki = generateIcaoPki({ seed: "anchors", extraCountries: 0, rsaModulusLength: 1024 });
});

const pem = (der: Uint8Array): string =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;

describe("loadTrustAnchors", () => {
  it("reads DER files and PEM bundles with several certificates, in order", () => {
    const bundle = Buffer.from(
      `Bag Attributes: ignored\n${pem(pki.anchor.der)}${pem(pki.anchorRenewal.der)}`,
    );
    const loaded = loadTrustAnchors([pki.quirks["three-letter-country"].der, bundle]);
    expect(loaded.ok && loaded.value.map((a) => a.certificate.subject)).toEqual([
      "CN=CSCA LTU,O=Republic of Lithuania,C=LTU",
      "2.5.4.5=1,CN=Utopia CSCA,OU=Certification Authorities,O=Utopia Master List Authority,C=UT",
      "2.5.4.5=2,CN=Utopia CSCA,OU=Certification Authorities,O=Utopia Master List Authority,C=UT",
    ]);
  });

  it("loads keys with explicit brainpool parameters", () => {
    const loaded = loadTrustAnchors([pki.anchor.der]);
    expect(loaded.ok && loaded.value[0]?.publicKey.asymmetricKeyDetails?.namedCurve).toBe("brainpoolP512r1");
  });

  it("names the file that holds no certificate", () => {
    const loaded = loadTrustAnchors([
      pki.anchor.der,
      Buffer.from("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
    ]);
    expect(!loaded.ok && loaded.error).toMatchObject({
      code: "PARSE_ERROR",
      message: "Trust anchor file 2 holds no PEM CERTIFICATE block.",
    });
  });

  it("refuses a truncated certificate with a PARSE_ERROR", () => {
    const loaded = loadTrustAnchors([pki.anchor.der.subarray(0, 200)]);
    expect(!loaded.ok && loaded.error.code).toBe("PARSE_ERROR");
    expect(!loaded.ok && loaded.error.message).toMatch(
      /^Trust anchor file 1 holds a certificate that cannot be read: /,
    );
  });
});
