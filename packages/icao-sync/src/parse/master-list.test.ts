import { createHash } from "node:crypto";
import { zipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import type { TrustAnchor } from "../verify/certificate-chain.js";
import { parseMasterList } from "./master-list.js";
import { verifyMasterList } from "../verify/verify-master-list.js";
import {
  generateIcaoPki,
  generateSigningKey,
  type IcaoPki,
  issueCertificate,
  keyAlgorithms,
  type MasterListSpec,
  signMasterList,
  simpleName,
} from "../testing/index.js";
import { loadTrustAnchors } from "../verify/trust-anchors.js";

let pki: IcaoPki;
let anchors: TrustAnchor[];
const DAY = 24 * 3600 * 1000;

function anchorsOf(...ders: Uint8Array[]): TrustAnchor[] {
  const loaded = loadTrustAnchors(ders);
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
}

function parsed(bytes: Uint8Array, options: Parameters<typeof parseMasterList>[1] = {}) {
  const result = parseMasterList(bytes, options);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

function refused(bytes: Uint8Array, options: Parameters<typeof parseMasterList>[1] = {}) {
  const result = parseMasterList(bytes, options);
  if (result.ok) throw new Error("expected the master list to be refused");
  return result.error;
}

const key = (der: Uint8Array): string => Buffer.from(der).toString("hex");

beforeAll(() => {
  pki = generateIcaoPki({ seed: "master-list" });
  anchors = anchorsOf(pki.anchor.der);
});

describe("extraction", () => {
  it("keeps every certList entry once, self-signed and link certificates alike", () => {
    const list = parsed(pki.masterList, { trustAnchors: anchors });
    expect(pki.certList.length).toBe(pki.cscas.length + 1);
    expect(list.cscas.map((c) => key(c.der))).toEqual(pki.cscas.map((c) => key(c.der)));
    expect(list.duplicates).toBe(1);
    const links = pki.countries.flatMap((c) => c.links).map((c) => key(c.der));
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(list.cscas.map((c) => key(c.der))).toContain(link);
  });

  it("does not take the signer certificate from SignedData.certificates as a CSCA", () => {
    const list = parsed(pki.masterList, { trustAnchors: anchors });
    expect(list.signerCertificates.map((c) => key(c.der))).toEqual([
      key(pki.signer.der),
      key(pki.anchorRenewal.der),
    ]);
    expect(list.cscas.map((c) => key(c.der))).not.toContain(key(pki.signer.der));
  });

  it("reports the SHA-256 of the master list DER as its digest", () => {
    const list = parsed(pki.masterList, { verify: false });
    expect(list.digest).toBe(createHash("sha256").update(pki.masterList).digest("hex"));
  });

  it("reads CRLs carried in SignedData.crls", () => {
    const crl = pki.countries.find((c) => c.code === "UA")?.crl;
    const bytes = signMasterList({
      certificates: [pki.anchor.der, pki.anchorLink.der],
      signer: pki.signer,
      crls: [crl?.der ?? new Uint8Array()],
    });
    const list = parsed(bytes, { trustAnchors: anchors });
    expect(list.crls.map((c) => c.issuer)).toEqual(["CN=CSCA-UKRAINE,O=State Migration Service,C=UA"]);
    expect(list.crls[0]?.revoked.length).toBe(crl?.entries.length);
  });
});

describe("verification", () => {
  it("verifies the signature and the chain through the list's link certificate to the first-generation anchor", () => {
    const list = parsed(pki.masterList, { trustAnchors: anchors });
    const [signer] = list.verification?.signers ?? [];
    expect(list.verification?.chainChecked).toBe(true);
    expect(signer?.certificate.subject).toBe(
      "CN=Utopia Master List Signer,OU=Master List Signers,O=Utopia Master List Authority,C=UT",
    );
    expect(signer?.signingTime?.toISOString()).toBe("2025-06-01T12:00:00.000Z");
    expect(signer?.chain.status).toBe("verified");
    if (signer?.chain.status !== "verified") return;
    expect(signer.chain.at.toISOString()).toBe("2025-06-01T12:00:00.000Z");
    expect(signer.chain.path.map((c) => key(c.der))).toEqual([key(pki.anchorLink.der), key(pki.anchor.der)]);
  });

  it("with the second-generation root as anchor the path is that root alone", () => {
    const list = parsed(pki.masterList, { trustAnchors: anchorsOf(pki.anchorRenewal.der) });
    const chain = list.verification?.signers[0]?.chain;
    expect(chain?.status === "verified" && chain.path.map((c) => key(c.der))).toEqual([
      key(pki.anchorRenewal.der),
    ]);
  });

  it("without trust anchors still checks the signature and says the chain was not checked", () => {
    const list = parsed(pki.masterList);
    expect(list.verification?.chainChecked).toBe(false);
    expect(list.verification?.signers[0]?.chain).toEqual({
      status: "not_checked",
      reason: "no trust anchor was given",
    });
    expect(
      refused(signMasterList({ certificates: [pki.anchor.der], signer: pki.signer, tamper: "signature" }))
        .code,
    ).toBe("SIGNATURE_ERROR");
  });

  it("refuses a signer that does not chain to the given anchor", () => {
    const error = refused(pki.masterList, { trustAnchors: anchorsOf(pki.quirks["no-country"].der) });
    expect(error.code).toBe("SIGNATURE_ERROR");
    expect(error.message).toMatch(
      /^The master list signature is not valid: no path from CN=Utopia Master List Signer/,
    );
  });

  describe.each(keyAlgorithms)("a list signed with %s", (algorithm) => {
    let spec: MasterListSpec;
    beforeAll(() => {
      const signer = issueCertificate({
        subject: simpleName(["C", "UT"], ["CN", `Signer ${algorithm}`]),
        serialNumber: 77n,
        notBefore: new Date("2025-01-01T00:00:00Z"),
        notAfter: new Date("2026-01-01T00:00:00Z"),
        key: generateSigningKey(algorithm),
        issuer: pki.anchorRenewal,
        subjectKeyIdentifier: new Uint8Array(20).fill(7),
        basicConstraints: "none",
      });
      spec = { certificates: [pki.anchor.der, pki.anchorRenewal.der, pki.anchorLink.der], signer };
    });

    it("verifies, with the scheme named", () => {
      const list = parsed(signMasterList(spec), { trustAnchors: anchors });
      const expected = {
        "rsa-pkcs1": "RSA PKCS#1 v1.5 with sha256",
        "rsa-pss": "RSASSA-PSS with sha256, salt 32",
        "ecdsa-p256": "ECDSA with sha256",
        "ecdsa-brainpool-p256-explicit": "ECDSA with sha256",
        "ecdsa-brainpool-p384": "ECDSA with sha384",
        "ecdsa-brainpool-p512-explicit": "ECDSA with sha512",
      }[algorithm];
      expect(list.verification?.signers[0]?.signatureAlgorithm).toBe(expected);
      expect(list.verification?.signers[0]?.chain.status).toBe("verified");
    });

    it("verifies with the bare key type as signatureAlgorithm and the hash taken from digestAlgorithm", () => {
      if (algorithm === "rsa-pss") return; // PSS parameters cannot be expressed by the bare key type
      const list = parsed(signMasterList({ ...spec, bareKeyAlgorithm: true }), { trustAnchors: anchors });
      expect(list.verification?.signers[0]?.chain.status).toBe("verified");
    });

    it("refuses a flipped signature bit", () => {
      const error = refused(signMasterList({ ...spec, tamper: "signature" }), { trustAnchors: anchors });
      expect(error.code).toBe("SIGNATURE_ERROR");
      expect(error.message).toMatch(
        /signature of SignerInfo 1 does not verify with the signer certificate CN=Signer/,
      );
    });
  });

  it("refuses content changed after signing (messageDigest mismatch)", () => {
    const error = refused(
      signMasterList({
        certificates: [pki.anchor.der, pki.anchorLink.der],
        signer: pki.signer,
        tamper: "content",
      }),
    );
    expect(error.code).toBe("SIGNATURE_ERROR");
    expect(error.message).toContain("does not match the content, so the list was altered after signing");
  });

  it("refuses signed attributes changed after signing although the digest matches", () => {
    const error = refused(
      signMasterList({ certificates: [pki.anchor.der], signer: pki.signer, tamper: "signed-attributes" }),
    );
    expect(error.code).toBe("SIGNATURE_ERROR");
    expect(error.message).toContain("does not verify with the signer certificate");
  });

  it("refuses a SignerInfo without signed attributes", () => {
    const error = refused(
      signMasterList({ certificates: [pki.anchor.der], signer: pki.signer, withoutSignedAttributes: true }),
    );
    expect(error.code).toBe("SIGNATURE_ERROR");
    expect(error.message).toContain("has no signed attributes");
  });

  it("finds the signer by issuer and serial number as well as by subjectKeyIdentifier", () => {
    const bytes = signMasterList({
      certificates: [pki.anchor.der, pki.anchorLink.der],
      signer: pki.signer,
      signerIdentifier: "issuerAndSerialNumber",
    });
    expect(parsed(bytes, { trustAnchors: anchors }).verification?.signers[0]?.chain.status).toBe("verified");
  });

  it("refuses a list whose signer certificate is missing", () => {
    const bytes = signMasterList({
      certificates: [pki.anchor.der],
      signer: pki.signer,
      includedCertificates: [],
    });
    expect(refused(bytes).message).toMatch(
      /the certificate of SignerInfo 1 \(subjectKeyIdentifier [0-9a-f]{40}\) is not in the master list/,
    );
  });
});

describe("the chain is checked at the signing time", () => {
  let expiredSignerPki: IcaoPki;
  beforeAll(() => {
    const signingTime = new Date("2025-06-01T12:00:00Z");
    expiredSignerPki = generateIcaoPki({
      seed: "expired-signer",
      extraCountries: 0,
      signingTime,
      signerValidity: {
        notBefore: new Date(signingTime.getTime() - 30 * DAY),
        notAfter: new Date(signingTime.getTime() + 10 * DAY),
      },
    });
  });

  it("a signer that has expired since is accepted at its signing time", () => {
    const list = parsed(expiredSignerPki.masterList, {
      trustAnchors: anchorsOf(expiredSignerPki.anchor.der),
    });
    expect(list.verification?.signers[0]?.chain.status).toBe("verified");
  });

  it("the same list is refused when checked at a later time", () => {
    const error = refused(expiredSignerPki.masterList, {
      trustAnchors: anchorsOf(expiredSignerPki.anchor.der),
      at: new Date("2025-06-20T00:00:00Z"),
    });
    expect(error.code).toBe("SIGNATURE_ERROR");
    expect(error.message).toContain(
      "is valid from 2025-05-02T12:00:00.000Z to 2025-06-11T12:00:00.000Z, not at 2025-06-20T00:00:00.000Z",
    );
  });

  it("without a signingTime attribute the clock decides", () => {
    const bytes = signMasterList({
      certificates: [expiredSignerPki.anchor.der],
      signer: expiredSignerPki.signer,
      includedCertificates: [
        expiredSignerPki.signer.der,
        expiredSignerPki.anchorRenewal.der,
        expiredSignerPki.anchorLink.der,
      ],
      signingTime: null,
    });
    const trustAnchors = anchorsOf(expiredSignerPki.anchor.der);
    expect(
      parsed(bytes, { trustAnchors, clock: () => new Date("2025-06-05T00:00:00Z") }).verification?.signers[0]
        ?.signingTime,
    ).toBeNull();
    expect(refused(bytes, { trustAnchors, clock: () => new Date("2025-07-01T00:00:00Z") }).code).toBe(
      "SIGNATURE_ERROR",
    );
  });
});

describe("verify: false", () => {
  it("skips verification, and verifyMasterList gives the outcome later", () => {
    const tampered = signMasterList({
      certificates: [pki.anchor.der],
      signer: pki.signer,
      tamper: "signature",
    });
    const list = parsed(tampered, { verify: false });
    expect(list.verification).toBeNull();
    expect(list.cscas.length).toBe(1);
    const later = verifyMasterList(list, { trustAnchors: anchors });
    expect(!later.ok && later.error.code).toBe("SIGNATURE_ERROR");
    const good = verifyMasterList(parsed(pki.masterList, { verify: false }), { trustAnchors: anchors });
    expect(good.ok && good.value.chainChecked).toBe(true);
  });
});

describe("structure required by ICAO 9303-12", () => {
  it("refuses another eContentType with a PARSE_ERROR", () => {
    const error = refused(
      signMasterList({
        certificates: [pki.anchor.der],
        signer: pki.signer,
        eContentType: "1.2.840.113549.1.7.1",
      }),
    );
    expect(error.code).toBe("PARSE_ERROR");
    expect(error.message).toBe(
      "The master list cannot be parsed: its content type is 1.2.840.113549.1.7.1, not an ICAO CSCA master list (2.23.136.1.1.2).",
    );
  });

  it("refuses a CscaMasterList version other than 0", () => {
    const error = refused(
      signMasterList({ certificates: [pki.anchor.der], signer: pki.signer, masterListVersion: 1 }),
      { verify: false },
    );
    expect(error.message).toBe("The master list cannot be parsed: its CscaMasterList version is 1, not 0.");
  });

  it("refuses a certificate on its own (not CMS)", () => {
    expect(refused(pki.anchor.der).code).toBe("PARSE_ERROR");
  });
});

describe("input encodings", () => {
  const base64 = (): string =>
    Buffer.from(pki.masterList)
      .toString("base64")
      .replace(/(.{76})/g, "$1\r\n");

  it("accepts PEM", () => {
    const pem = `-----BEGIN CMS-----\n${base64()}\n-----END CMS-----\n`;
    expect(parsed(Buffer.from(pem), { trustAnchors: anchors }).cscas.length).toBe(pki.cscas.length);
  });

  it("accepts bare base64 text", () => {
    expect(parsed(Buffer.from(base64()), { trustAnchors: anchors }).cscas.length).toBe(pki.cscas.length);
  });

  it("accepts a ZIP holding one master list next to other files, as the BSI publishes it", () => {
    const zip = zipSync({ "README.txt": Buffer.from("not a list"), "DE_ML_2025-06-25.ml": pki.masterList });
    expect(parsed(zip, { trustAnchors: anchors }).cscas.length).toBe(pki.cscas.length);
  });

  it("refuses a ZIP holding two master lists, naming them", () => {
    const zip = zipSync({ "a.ml": pki.masterList, "b.ml": pki.masterList });
    expect(refused(zip).message).toBe(
      "The master list cannot be parsed: the master list ZIP archive must hold exactly one master list file, but it holds a.ml, b.ml.",
    );
  });

  it("refuses a ZIP entry larger than the limit without inflating it", () => {
    const zip = zipSync({ "big.ml": new Uint8Array(2_000_000) });
    expect(refused(zip, { limits: { maxZipEntryBytes: 1_000_000 } }).message).toContain(
      "declares 2000000 bytes of content, over the limit of 1000000",
    );
  });

  it("refuses text that is neither PEM nor base64", () => {
    expect(refused(Buffer.from("hello, world")).message).toBe(
      "The master list cannot be parsed: the master list is not valid base64.",
    );
  });
});
