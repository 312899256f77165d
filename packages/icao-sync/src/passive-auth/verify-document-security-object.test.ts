import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CountryPki,
  type GeneratedCertificate,
  generateDataGroups,
  generateIcaoPki,
  type IcaoPki,
  issueCrl,
  issueDocumentSigner,
  type KeyAlgorithm,
  signDocumentSecurityObject,
  signMasterList,
  writePkdLdif,
} from "../testing/index.js";
import { syncTrustStore } from "../sync/sync-trust-store.js";
import { TrustStoreReader } from "../trust-store/trust-store-reader.js";
import {
  closeTestTrustStore,
  openTestTrustStore,
  type TestTrustStore,
  unwrap,
} from "../trust-store/test-trust-store.js";
import { verifyDocumentSecurityObject } from "./verify-document-security-object.js";

const DAY = 24 * 3600 * 1000;
const YEAR = 365 * DAY;
const signingTime = new Date("2025-06-01T12:00:00Z");
const at = new Date("2025-07-01T00:00:00Z");
const t = signingTime.getTime();

let store: TestTrustStore | undefined;
let pool: pg.Pool;
let reader: TrustStoreReader;
let pki: IcaoPki;
let alCsca: GeneratedCertificate;
let grCsca: GeneratedCertificate;
let nl: CountryPki;
const groups = generateDataGroups("passive-auth");

const dsc: Record<string, GeneratedCertificate> = {};

const latest = (country: CountryPki) => country.cscas[country.cscas.length - 1] as GeneratedCertificate;
const sod = (
  signer: GeneratedCertificate,
  extra: Partial<Parameters<typeof signDocumentSecurityObject>[0]> = {},
) => signDocumentSecurityObject({ dsc: signer, dataGroups: groups, signingTime, ...extra });
const check = async (bytes: Uint8Array, options: Parameters<typeof verifyDocumentSecurityObject>[2] = {}) =>
  unwrap(await verifyDocumentSecurityObject(reader, bytes, { at, ...options }));

beforeAll(async () => {
  store = await openTestTrustStore();
  ({ pool } = store);
  pki = generateIcaoPki({
    seed: "passive-auth",
    extraCountries: 0,
    rsaModulusLength: 1024,
    dscsPerCountry: 1,
  });
  alCsca = latest(pki.countries.find((c) => c.quirk === "lowercase-country") as CountryPki);
  grCsca = latest(pki.countries.find((c) => c.quirk === "multi-valued-rdn") as CountryPki);
  nl = pki.countries.find((c) => c.quirk === "link-certificate") as CountryPki;
  const validity = { notBefore: new Date(t - 30 * DAY), notAfter: new Date(t + YEAR) };
  dsc.good = issueDocumentSigner({ csca: alCsca, country: "AL", serialNumber: 0x1001n, ...validity });
  dsc.revoked = issueDocumentSigner({ csca: alCsca, country: "AL", serialNumber: 0x1002n, ...validity });
  dsc.expired = issueDocumentSigner({
    csca: alCsca,
    country: "AL",
    serialNumber: 0x1003n,
    notBefore: new Date(t - 400 * DAY),
    notAfter: new Date(t + 10 * DAY),
  });
  dsc.foreign = issueDocumentSigner({ csca: alCsca, country: "NL", serialNumber: 0x1004n, ...validity });
  dsc.stored = issueDocumentSigner({ csca: alCsca, country: "AL", serialNumber: 0x1005n, ...validity });
  dsc.linked = issueDocumentSigner({ csca: latest(nl), country: "NL", serialNumber: 0x2001n, ...validity });
  dsc.noCrl = issueDocumentSigner({ csca: grCsca, country: "GR", serialNumber: 0x3001n, ...validity });

  // The NL self-signed second generation is left out, so its DSCs reach the store only through the link.
  const withoutNewNl = pki.certList.filter((der) => !Buffer.from(der).equals(Buffer.from(latest(nl).der)));
  const masterList = signMasterList({
    certificates: withoutNewNl,
    signer: pki.signer,
    includedCertificates: [pki.signer.der, pki.anchorRenewal.der],
    signingTime,
  });
  const alCrl = issueCrl(
    alCsca,
    [{ serialNumber: 0x1002n, revocationDate: new Date(t + 5 * DAY), reasonCode: 1 }],
    { thisUpdate: new Date(t + 10 * DAY), nextUpdate: new Date(t + 90 * DAY) },
  );
  const nlCrl = nl.crl;
  const ldif = writePkdLdif("001", [
    {
      kind: "dsc",
      country: "AL",
      subject: dsc.stored.subject,
      serialNumber: dsc.stored.serialNumber,
      der: dsc.stored.der,
    },
  ]);
  unwrap(
    await syncTrustStore(
      pool,
      {
        masterLists: [{ name: "list.ml", bytes: masterList }],
        ldif: [{ name: "icaopkd-001.ldif", bytes: new TextEncoder().encode(ldif) }],
        crls: [
          { name: "al.crl", bytes: alCrl.der },
          { name: "nl.crl", bytes: nlCrl.der },
        ],
        trustAnchors: [{ name: "anchor.cer", bytes: pki.anchor.der }],
      },
      { clock: () => at, force: true },
    ),
  );
  reader = new TrustStoreReader(pool);
}, 120_000);

afterAll(async () => {
  await closeTestTrustStore(store);
});

describe("passive authentication of generated documents against a synced store", () => {
  it("a valid SOD with its data groups verifies end to end", async () => {
    const result = await check(sod(dsc.good as GeneratedCertificate), { dataGroups: groups });
    expect(result).toEqual({
      valid: true,
      kind: "sod",
      sodSignature: "verified",
      chain: "verified",
      signatureAlgorithm: "ECDSA with sha256",
      signingTime: signingTime.toISOString(),
      csca: {
        subject: "CN=CSCA ALB,O=Ministry of Interior,C=al",
        isn: "-0x4e",
        source: "icao-masterlist (verified)",
        links: [],
      },
      dsc: {
        subject: "CN=DS AL 1001,O=Document Signers AL,C=AL",
        isn: "0x1001",
        notBefore: new Date(t - 30 * DAY).toISOString(),
        notAfter: new Date(t + YEAR).toISOString(),
        atSigning: "valid",
        now: "valid",
      },
      revocation: {
        status: "not_revoked",
        revokedAt: null,
        reason: null,
        crlNextUpdate: new Date(t + 90 * DAY).toISOString(),
      },
      dataGroups: [
        { number: 1, algorithm: "sha256", status: "verified" },
        { number: 2, algorithm: "sha256", status: "verified" },
        { number: 14, algorithm: "sha256", status: "verified" },
      ],
      deviations: [],
      problems: [],
      notes: [],
    });
  });

  it("a data group changed after issuance is invalid, and the others still verify", async () => {
    const changed = new Map(groups);
    const dg2 = Uint8Array.from(groups.get(2) as Uint8Array);
    dg2[100] = (dg2[100] as number) ^ 0x01;
    changed.set(2, dg2);
    changed.set(3, new Uint8Array([0x63, 0x00]));
    const result = await check(sod(dsc.good as GeneratedCertificate), { dataGroups: changed });
    expect(result.valid).toBe(false);
    expect(result.sodSignature).toBe("verified");
    expect(result.dataGroups).toEqual([
      { number: 1, algorithm: "sha256", status: "verified" },
      { number: 2, algorithm: "sha256", status: "invalid" },
      { number: 14, algorithm: "sha256", status: "verified" },
      { number: 3, algorithm: "sha256", status: "not_found" },
    ]);
    expect(result.problems).toEqual([
      "DG2 does not match its hash in the SOD",
      "DG3 was given but the SOD has no hash for it",
    ]);
  });

  it.each(["content", "signature", "signed-attributes"] as const)(
    "an SOD tampered with (%s) has an invalid signature",
    async (tamper) => {
      const result = await check(sod(dsc.good as GeneratedCertificate, { tamper }));
      expect(result.valid).toBe(false);
      expect(result.sodSignature).toBe("invalid");
      expect(result.chain).toBe("verified");
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatch(
        tamper === "content"
          ? /^The SOD signature is not valid: the messageDigest of SignerInfo 1 does not match the content/
          : /^The SOD signature is not valid: the ECDSA with sha256 signature of SignerInfo 1 does not verify/,
      );
    },
  );

  it("a DSC of one country under another country's CSCA is refused", async () => {
    const result = await check(sod(dsc.foreign as GeneratedCertificate));
    expect(result).toMatchObject({ valid: false, sodSignature: "verified", chain: "invalid", csca: null });
    expect(result.problems).toEqual([
      "The DSC chain is not valid: the DSC is of country NL but its CSCA CN=CSCA ALB,O=Ministry of Interior,C=al is of AL.",
    ]);
  });

  it("a DSC listed in the stored CRL of its CSCA is revoked", async () => {
    const result = await check(sod(dsc.revoked as GeneratedCertificate));
    expect(result.valid).toBe(false);
    expect(result.chain).toBe("verified");
    expect(result.revocation).toEqual({
      status: "revoked",
      revokedAt: new Date(t + 5 * DAY).toISOString(),
      reason: "key_compromise",
      crlNextUpdate: new Date(t + 90 * DAY).toISOString(),
    });
    expect(result.problems).toEqual([
      `the DSC is revoked since ${new Date(t + 5 * DAY).toISOString()} (key_compromise)`,
    ]);
  });

  it("a DSC expired now but valid when it signed stays valid, with a note", async () => {
    const result = await check(sod(dsc.expired as GeneratedCertificate));
    expect(result.valid).toBe(true);
    expect(result.dsc).toMatchObject({ atSigning: "valid", now: "expired" });
    expect(result.notes).toEqual([`the DSC is expired at ${at.toISOString()} (valid when it signed)`]);
  });

  it("a DSC not yet valid at the signing time is refused", async () => {
    const result = await check(
      sod(dsc.good as GeneratedCertificate, { signingTime: new Date(t - 60 * DAY) }),
    );
    expect(result.valid).toBe(false);
    expect(result.dsc?.atSigning).toBe("not_yet_valid");
  });

  it("a DSC whose CSCA is stored only as a link certificate chains through it to the older CSCA", async () => {
    const result = await check(sod(dsc.linked as GeneratedCertificate));
    expect(result.valid).toBe(true);
    expect(result.chain).toBe("verified");
    expect(result.csca).toEqual({
      subject: "2.5.4.5=6,CN=CSCA NL,O=Kingdom of the Netherlands,C=NL",
      isn: "0x6",
      source: "icao-masterlist (verified)",
      links: [{ subject: "2.5.4.5=7,CN=CSCA NL,O=Kingdom of the Netherlands,C=NL", isn: "0x8" }],
    });
  });

  it("a DSC of a CSCA the store does not hold has no chain; a store without its CRL says no_crl", async () => {
    const foreignPki = generateIcaoPki({
      seed: "other",
      extraCountries: 0,
      rsaModulusLength: 1024,
      dscsPerCountry: 1,
    });
    const unknown = issueDocumentSigner({
      csca: latest(foreignPki.countries[0] as CountryPki),
      country: "AL",
      serialNumber: 0x9n,
      notBefore: new Date(t - DAY),
      notAfter: new Date(t + YEAR),
    });
    const result = await check(sod(unknown));
    expect(result).toMatchObject({ valid: false, sodSignature: "verified", chain: "not_found" });
    const noCrl = await check(sod(dsc.noCrl as GeneratedCertificate));
    expect(noCrl).toMatchObject({ valid: true, chain: "verified", revocation: { status: "no_crl" } });
    expect(noCrl.notes).toEqual([`the store has no CRL of ${noCrl.csca?.subject ?? "?"}`]);
  });

  it("a check after the newest CRL's nextUpdate says crl_stale and stays valid", async () => {
    const later = new Date(t + 120 * DAY);
    const result = await check(sod(dsc.good as GeneratedCertificate), { at: later });
    expect(result).toMatchObject({ valid: true, revocation: { status: "crl_stale" } });
  });

  it.each(["rsa-pkcs1", "rsa-pss", "ecdsa-p256", "ecdsa-brainpool-p256-explicit"] as KeyAlgorithm[])(
    "an SOD signed with a %s DSC key, bare CMS and named by subjectKeyIdentifier, verifies",
    async (algorithm) => {
      const signer = issueDocumentSigner({
        csca: alCsca,
        country: "AL",
        serialNumber: 0x4000n,
        notBefore: new Date(t - DAY),
        notAfter: new Date(t + YEAR),
        algorithm,
      });
      const result = await check(sod(signer, { wrap: false, signerIdentifier: "subjectKeyIdentifier" }), {
        dataGroups: groups,
      });
      expect(result).toMatchObject({ valid: true, sodSignature: "verified", chain: "verified" });
    },
  );

  it("an SOD without its DSC is verified with the DSC stored from the LDIF", async () => {
    const result = await check(sod(dsc.stored as GeneratedCertificate, { includeCertificate: false }));
    expect(result).toMatchObject({ valid: true, sodSignature: "verified", dsc: { isn: "0x1005" } });
    const missing = await check(sod(dsc.good as GeneratedCertificate, { includeCertificate: false }));
    expect(missing).toMatchObject({ valid: false, sodSignature: "not_found", chain: "not_found", dsc: null });
  });

  it("a DSC certificate alone is checked for its chain, validity and revocation", async () => {
    expect(await check((dsc.good as GeneratedCertificate).der)).toMatchObject({
      valid: true,
      kind: "dsc",
      sodSignature: "not_found",
      chain: "verified",
      dataGroups: [],
    });
    expect(await check((dsc.revoked as GeneratedCertificate).der)).toMatchObject({
      valid: false,
      revocation: { status: "revoked" },
    });
  });

  it("input that is neither an SOD nor a certificate is a PARSE_ERROR", async () => {
    const result = await verifyDocumentSecurityObject(reader, new Uint8Array([0x77, 0x03, 0x02, 0x01, 0x00]));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("PARSE_ERROR");
    const masterList = await verifyDocumentSecurityObject(reader, pki.masterList);
    expect(masterList.ok).toBe(false);
    if (!masterList.ok)
      expect(masterList.error.message).toMatch(/not an LDS Security Object \(2\.23\.136\.1\.1\.1\)/);
  });
});
