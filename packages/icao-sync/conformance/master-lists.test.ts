import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import {
  type CertificateSummary,
  parseMasterList,
  type MasterList,
  type MasterListOptions,
} from "../src/index.js";
import { anchors, fixture, masterLists } from "./fixtures.js";

function parsed(name: string, options: MasterListOptions = {}): MasterList {
  const result = parseMasterList(fixture(name), options);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

// SOURCES.md counts a certificate as self-signed when Python's `subject == issuer` holds: the decoded values
// are equal whatever their string types (PrintableString and UTF8String alike), but case matters (`RO` != `ro`).
const selfSigned = (cscas: readonly CertificateSummary[]): number =>
  cscas.filter((c) => c.subject === c.issuer).length;

function sharedIssuerAndSerial(cscas: readonly CertificateSummary[]): number {
  const groups = new Map<string, number>();
  for (const c of cscas)
    groups.set(`${c.issuer}|${c.serialNumber}`, (groups.get(`${c.issuer}|${c.serialNumber}`) ?? 0) + 1);
  return [...groups.values()].filter((n) => n > 1).length;
}

// Counts and facts below come from fixtures/icao/SOURCES.md (OpenSSL 3.0 and Python cryptography 48).
describe("ICAO_ml_December2025.ml", () => {
  const list = parsed(masterLists.icao.file, { trustAnchors: anchors(masterLists.icao.anchor) });

  it("holds 536 distinct CSCA certificates: 476 self-signed and 60 link certificates", () => {
    expect(list.cscas.length).toBe(536);
    expect(list.duplicates).toBe(0);
    expect(selfSigned(list.cscas)).toBe(476);
  });

  it("verifies against the UN CSCA at its signing time, although the signer has expired since", () => {
    const [signer] = list.verification?.signers ?? [];
    expect(signer?.certificate.subject).toBe(
      "CN=ICAO Master List Signer,OU=Master List Signers,O=United Nations,C=UN",
    );
    expect(signer?.signingTime?.toISOString().slice(0, 10)).toBe("2025-12-16");
    expect(signer?.chain.status).toBe("verified");
    expect(signer?.chain.status === "verified" && signer.chain.path.map((c) => c.subject)).toEqual([
      "CN=United Nations CSCA,OU=Certification Authorities,O=United Nations,C=UN",
    ]);
  });

  it("is refused when checked after the signer expired on 2026-09-26", () => {
    const result = parseMasterList(fixture(masterLists.icao.file), {
      trustAnchors: anchors(masterLists.icao.anchor),
      at: new Date("2026-11-22T00:00:00Z"),
    });
    expect(!result.ok && result.error.code).toBe("SIGNATURE_ERROR");
    expect(!result.ok && result.error.message).toContain("CN=ICAO Master List Signer");
  });

  it("does not take the signer as a CSCA, and has the outer UN CSCA once (it is also in the inner list)", () => {
    expect(list.signerCertificates.length).toBe(2);
    const signerDer = Buffer.from(list.signerCertificates[0]?.der ?? []);
    expect(list.cscas.some((c) => Buffer.from(c.der).equals(signerDer))).toBe(false);
    const outerRoot = Buffer.from(list.signerCertificates[1]?.der ?? []);
    expect(list.signerCertificates[1]?.subject).toBe(
      "CN=United Nations CSCA,OU=Certification Authorities,O=United Nations,C=UN",
    );
    expect(list.cscas.filter((c) => Buffer.from(c.der).equals(outerRoot)).length).toBe(1);
  });

  it("renders the negative serials as Python does, and has four issuer+serial pairs that differ in DER", () => {
    expect(list.cscas.filter((c) => c.serialNumber.startsWith("-")).length).toBe(3);
    expect(list.cscas.some((c) => c.serialNumber === "-0x4e" && c.issuer.startsWith("C=al,"))).toBe(true);
    expect(sharedIssuerAndSerial(list.cscas)).toBe(4);
  });
});

describe("DE_ML_2025-06-25-09-31-57.ml", () => {
  const list = parsed(masterLists.germany.file, { trustAnchors: anchors(masterLists.germany.anchor) });

  it("holds 559 CSCA certificates: 490 self-signed and 69 link certificates", () => {
    expect(list.cscas.length).toBe(559);
    expect(selfSigned(list.cscas)).toBe(490);
    expect(sharedIssuerAndSerial(list.cscas)).toBe(2);
  });

  it("verifies its ECDSA signature and chains to csca-germany, whose key has explicit brainpool parameters", () => {
    const [signer] = list.verification?.signers ?? [];
    expect(signer?.signatureAlgorithm).toBe("ECDSA with sha256");
    expect(signer?.certificate.subject).toBe("CN=CSCA Master List Signer,2.5.4.5=0039,OU=bsi,O=bund,C=DE");
    expect(signer?.chain.status === "verified" && signer.chain.path.map((c) => c.subject)).toEqual([
      "CN=csca-germany,OU=bsi,O=bund,C=DE",
    ]);
    expect(anchors(masterLists.germany.anchor)[0]?.publicKey.asymmetricKeyDetails?.namedCurve).toBe(
      "brainpoolP512r1",
    );
  });

  it("has the zero serial of the Vatican CSCA", () => {
    expect(list.cscas.some((c) => c.serialNumber === "0x0" && c.issuer.startsWith("C=VA,"))).toBe(true);
  });

  it("reads the same list from a ZIP archive, as the BSI publishes it", () => {
    const zip = zipSync({ "DE_ML_2025-06-25-09-31-57.ml": fixture(masterLists.germany.file) });
    const result = parseMasterList(zip, { trustAnchors: anchors(masterLists.germany.anchor) });
    expect(result.ok && result.value.cscas.length).toBe(559);
    expect(result.ok && result.value.digest).toBe(list.digest);
  });
});

describe("NL_ML_2025-12-20.ml", () => {
  it("holds 395 self-signed CSCA certificates and verifies against NL_ROOT_CA.cer", () => {
    const list = parsed(masterLists.netherlands.file, {
      trustAnchors: anchors(masterLists.netherlands.anchor),
    });
    expect(list.cscas.length).toBe(395);
    expect(selfSigned(list.cscas)).toBe(395);
    expect(list.verification?.signers[0]?.chain.status).toBe("verified");
  });
});

describe("NL_MASTERLIST_20211207.mls", () => {
  it("holds 306 self-signed CSCA certificates; its signature verifies, the chain is not checked without an anchor", () => {
    const list = parsed("NL_MASTERLIST_20211207.mls");
    expect(list.cscas.length).toBe(306);
    expect(selfSigned(list.cscas)).toBe(306);
    expect(list.verification?.chainChecked).toBe(false);
    expect(list.verification?.signers[0]?.certificate.subject).toMatch(
      /CN=Masterlist Signer NL,2\.5\.4\.5=3$/,
    );
  });

  it("does not chain to the 2024 NL root (its signer was issued by CSCA NL serialNumber 6)", () => {
    const result = parseMasterList(fixture("NL_MASTERLIST_20211207.mls"), {
      trustAnchors: anchors(masterLists.netherlands.anchor),
    });
    expect(!result.ok && result.error.code).toBe("SIGNATURE_ERROR");
  });
});

describe("ICAO_ml_September2023.ml (a real list whose signature does not verify)", () => {
  it("is refused by default, with or without the anchor", () => {
    for (const options of [{ trustAnchors: anchors(masterLists.icao.anchor) }, {}]) {
      const result = parseMasterList(fixture("ICAO_ml_September2023.ml"), options);
      expect(!result.ok && result.error.code).toBe("SIGNATURE_ERROR");
      expect(!result.ok && result.error.message).toContain(
        "does not verify with the signer certificate CN=ICAO Master List Signer",
      );
    }
  });

  it("is importable with verify: false: 394 certificates, 349 of them self-signed", () => {
    const list = parsed("ICAO_ml_September2023.ml", { verify: false });
    expect(list.verification).toBeNull();
    expect(list.cscas.length).toBe(394);
    expect(selfSigned(list.cscas)).toBe(349);
  });
});
