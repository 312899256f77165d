import { createPgPool, parseConnectionUrl } from "@certs/db";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CountryPki,
  DEFAULT_CONFORMANCE,
  type GeneratedCertificate,
  generateIcaoPki,
  type IcaoPki,
  issueCertificate,
  signMasterList,
  simpleName,
  writePkdLdif,
} from "../testing/index.js";
import { migrateTrustStore } from "../trust-store/trust-store-migrations.js";
import { inspectSources } from "./inspect-sources.js";
import type { SyncInput } from "./sync-input.js";
import { type SyncOptions, syncTrustStore } from "./sync-trust-store.js";

let db: TestDatabase;
let pool: pg.Pool;
let pki: IcaoPki;
let albania: CountryPki;
const clock = () => new Date("2025-07-01T00:00:00Z");
const YEAR = 365 * 24 * 3600 * 1000;

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const bytes = (text: string) => new TextEncoder().encode(text);

function input(ldif: readonly { name: string; text: string }[], masterList = pki.masterList): SyncInput {
  return {
    masterLists: [{ name: "list.ml", bytes: masterList }],
    ldif: ldif.map((f) => ({ name: f.name, bytes: bytes(f.text) })),
    trustAnchors: [{ name: "anchor.cer", bytes: pki.anchor.der }],
  };
}

async function sync(syncInput: SyncInput, options: SyncOptions = {}) {
  return syncTrustStore(pool, syncInput, { clock, force: true, ...options });
}

async function storedDscs(): Promise<string[]> {
  const rows = await pool.query<{ certificate: Buffer }>("SELECT certificate FROM dsc");
  return rows.rows.map((r) => r.certificate.toString("hex")).sort();
}

interface ProvenanceRead {
  certificate: string;
  collection: string;
  status: string;
  source: string;
  conformance_code: string | null;
  conformance_text: string | null;
  pkd_version: number | null;
  detail: string | null;
}

async function dscProvenance(): Promise<ProvenanceRead[]> {
  const rows = await pool.query<ProvenanceRead & { certificate: Buffer }>(
    `SELECT d.certificate, p.collection, p.status, p.source, p.conformance_code, p.conformance_text,
            p.pkd_version, p.detail
     FROM dsc d JOIN icao_sync_provenance p ON p.table_name = 'dsc' AND p.row_id = d.id`,
  );
  return rows.rows.map((r) => ({ ...r, certificate: r.certificate.toString("hex") }));
}

async function count(sql: string): Promise<number> {
  const rows = await pool.query<{ n: string }>(sql);
  return Number(rows.rows[0]?.n);
}

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  const spec = parseConnectionUrl(db.url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error("a PostgreSQL test database was expected");
  pool = unwrap(createPgPool(spec.value, { poolSize: 2 }));
  unwrap(await migrateTrustStore(pool));
  pki = generateIcaoPki({ seed: "dsc-trust", extraCountries: 0, rsaModulusLength: 1024 });
  albania = pki.countries.find((c) => c.quirk === "lowercase-country") as CountryPki;
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("LDIF DSCs enter the trust store only when a trusted CSCA signed them", () => {
  const hostileLdif = () => [{ name: "icaopkd-001.ldif", text: pki.hostile.ldif.dscsAndBarCodeSigners }];

  it("stores the DSC the AL CSCA signed; leaves out a DSC signed by another key, one of an unknown CSCA, and Bar Code Signers, and says why", async () => {
    const outcome = unwrap(await sync(input(hostileLdif())));
    const good = albania.dscs[0] as GeneratedCertificate;
    expect(await storedDscs()).toEqual([hex(good.der)]);
    expect(outcome.counts.dsc).toBe(1);
    expect(outcome.verification.dscs).toEqual({
      verified: 1,
      unverifiable: 1,
      invalid: 1,
      nonConformant: 0,
      barCodeSigners: 2,
    });
    const refused = outcome.verification.refused.filter((r) => r.kind === "dsc");
    expect(refused).toEqual([
      {
        kind: "dsc",
        source: expect.stringMatching(/^icaopkd-001\.ldif \(cn=.*DS AL forged.*o=dsc,c=AL/),
        subject: "CN=DS AL forged,C=AL",
        reason: expect.stringMatching(
          /^its RSA PKCS#1 v1\.5 with sha256 signature does not verify with any trusted CSCA CN=CSCA ALB/,
        ),
        status: "invalid",
      },
      {
        kind: "dsc",
        source: expect.stringMatching(/^icaopkd-001\.ldif \(cn=.*DS ZZ 1/),
        subject: "CN=DS ZZ 1,C=ZZ",
        reason: expect.stringMatching(
          /^no trusted CSCA CN=CSCA ZZ,O=Nowhere,C=ZZ with subjectKeyIdentifier [0-9a-f]{40}$/,
        ),
        status: "unverifiable",
      },
    ]);
    expect(await dscProvenance()).toEqual([
      {
        certificate: hex(good.der),
        collection: "001",
        status: "verified",
        source: "icaopkd-001.ldif",
        conformance_code: null,
        conformance_text: null,
        pkd_version: 1,
        detail: expect.stringMatching(/^signed by CN=CSCA ALB,O=Ministry of Interior,C=al \(serial -0x4e\)$/),
      },
    ]);
  });

  it("writes one provenance row per stored root_ca, dsc and crls row: the anchor as anchor, the anchored list's CSCAs as verified", async () => {
    const crls = writePkdLdif("001", [
      { kind: "crl", country: "AL", issuer: albania.crl.issuer.subject, der: albania.crl.der },
    ]);
    const outcome = unwrap(await sync(input([...hostileLdif(), { name: "crls.ldif", text: crls }])));
    expect(outcome.counts).toMatchObject({ root_ca: pki.cscas.length, dsc: 1, crls: 1 });
    for (const table of ["root_ca", "dsc", "crls"]) {
      expect(
        await count(
          `SELECT count(*) AS n FROM ${table} t JOIN icao_sync_provenance p ON p.row_id = t.id AND p.table_name = '${table}'`,
        ),
      ).toBe(await count(`SELECT count(*) AS n FROM ${table}`));
    }
    expect(await count("SELECT count(*) AS n FROM icao_sync_provenance")).toBe(pki.cscas.length + 2);
    const roots = await pool.query<{
      certificate: Buffer;
      status: string;
      collection: string;
      source: string;
    }>(
      `SELECT r.certificate, p.status, p.collection, p.source FROM root_ca r
       JOIN icao_sync_provenance p ON p.row_id = r.id AND p.table_name = 'root_ca'`,
    );
    const anchorRow = roots.rows.find((r) => r.certificate.equals(Buffer.from(pki.anchor.der)));
    expect(anchorRow).toMatchObject({ status: "anchor", collection: "ml", source: "list.ml" });
    expect(roots.rows.filter((r) => r.status === "verified")).toHaveLength(pki.cscas.length - 1);
    const crlRow = await pool.query<{ status: string; collection: string; source: string; detail: string }>(
      `SELECT p.status, p.collection, p.source, p.detail FROM crls c
       JOIN icao_sync_provenance p ON p.row_id = c.id AND p.table_name = 'crls'`,
    );
    expect(crlRow.rows).toEqual([
      {
        status: "verified",
        collection: "001",
        source: "crls.ldif",
        detail: expect.stringMatching(/^signed by CN=CSCA ALB/),
      },
    ]);
  });

  it("stores the DSC of an unknown CSCA as unverifiable with keepUnverifiableDsc, never the one signed by another key", async () => {
    const outcome = unwrap(await sync(input(hostileLdif()), { keepUnverifiableDsc: true }));
    expect(outcome.verification.dscs).toMatchObject({ verified: 1, unverifiable: 1, invalid: 1 });
    expect(await storedDscs()).toEqual(
      [hex((albania.dscs[0] as GeneratedCertificate).der), hex(pki.hostile.unknownIssuerDsc.der)].sort(),
    );
    const unknown = (await dscProvenance()).find(
      (p) => p.certificate === hex(pki.hostile.unknownIssuerDsc.der),
    );
    expect(unknown).toMatchObject({
      status: "unverifiable",
      detail: expect.stringMatching(/^no trusted CSCA CN=CSCA ZZ/),
    });
    expect(outcome.verification.refused.filter((r) => r.kind === "dsc").map((r) => r.status)).toEqual([
      "invalid",
    ]);
  });

  it("fails the sync on a refused DSC with strict, naming it, and keeps the stored rows", async () => {
    unwrap(await sync(input([{ name: "good.ldif", text: pki.ldif.dscsAndCrls }])));
    const before = await storedDscs();
    const outcome = await sync(input(hostileLdif()), { strict: true });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe("SIGNATURE_ERROR");
    expect(outcome.error.message).toMatch(
      /^icaopkd-001\.ldif \(cn=.*\): the DSC CN=DS AL forged,C=AL is refused: its RSA/,
    );
    expect(outcome.error.message).toMatch(/\(strict\)\.$/);
    expect(await storedDscs()).toEqual(before);
  });

  it("stores an expired DSC that verifies: passports it signed stay valid", async () => {
    const csca = albania.cscas[albania.cscas.length - 1] as GeneratedCertificate;
    const expired = issueCertificate({
      subject: simpleName(["C", "AL"], ["CN", "DS AL expired"]),
      serialNumber: 0x77n,
      notBefore: new Date(clock().getTime() - 5 * YEAR),
      notAfter: new Date(clock().getTime() - YEAR),
      key: (albania.dscs[0] as GeneratedCertificate).key,
      issuer: csca,
      subjectKeyIdentifier: new Uint8Array(20).fill(7),
      basicConstraints: "none",
    });
    const ldif = writePkdLdif("001", [
      {
        kind: "dsc",
        country: "AL",
        subject: expired.subject,
        serialNumber: expired.serialNumber,
        der: expired.der,
      },
    ]);
    const outcome = unwrap(await sync(input([{ name: "expired.ldif", text: ldif }])));
    expect(outcome.verification.dscs).toMatchObject({ verified: 1, invalid: 0, unverifiable: 0 });
    expect(await storedDscs()).toEqual([hex(expired.der)]);
  });

  it("refuses a certificate value whose signature field is not a whole number of bytes as invalid", async () => {
    const good = albania.dscs[0] as GeneratedCertificate;
    const broken = Uint8Array.from(good.der);
    // The signature BIT STRING is the last element: set its unused-bits octet to 1.
    const header = (at: number): number => {
      const first = broken[at + 1] as number;
      if (first < 0x80) return at + 2 + first === broken.length ? 2 : 0;
      const count = first & 0x7f;
      let length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (broken[at + 2 + i] as number);
      return at + 2 + count + length === broken.length ? 2 + count : 0;
    };
    let at = broken.length - 3;
    while (at > 0 && !(broken[at] === 0x03 && header(at) > 0)) at -= 1;
    broken[at + header(at)] = 1;
    const ldif = writePkdLdif("001", [
      { kind: "dsc", country: "AL", subject: good.subject, serialNumber: good.serialNumber, der: broken },
    ]);
    const outcome = unwrap(await sync(input([{ name: "broken.ldif", text: ldif }])));
    expect(outcome.verification.dscs).toMatchObject({ verified: 0, invalid: 1 });
    expect(outcome.verification.refused.find((r) => r.kind === "dsc")?.reason).toMatch(
      /^it is not an X\.509 certificate \(the certificate signature is not a whole number of bytes\)$/,
    );
    expect(await storedDscs()).toEqual([]);
  });
});

describe("collection 003 DSCs are kept distinguishable", () => {
  const ukraine = () => pki.countries.find((c) => c.quirk === "explicit-ca-false") as CountryPki;

  it("stores verified 003 DSCs with their conformance codes, texts and pkdVersion in icao_sync_provenance", async () => {
    const outcome = unwrap(await sync(input([{ name: "icaopkd-003.ldif", text: pki.ldif.nonConformant }])));
    expect(outcome.verification.dscs).toEqual({
      verified: ukraine().dscs.length,
      unverifiable: 0,
      invalid: 0,
      nonConformant: ukraine().dscs.length,
      barCodeSigners: 0,
    });
    const provenance = await dscProvenance();
    expect(provenance.map((p) => p.certificate).sort()).toEqual(
      ukraine()
        .dscs.map((d) => hex(d.der))
        .sort(),
    );
    for (const row of provenance) {
      expect(row).toMatchObject({
        collection: "003",
        status: "verified",
        conformance_code: DEFAULT_CONFORMANCE.codes.join("\n"),
        conformance_text: DEFAULT_CONFORMANCE.texts.join("\n"),
        pkd_version: 1,
      });
    }
  });

  it("leaves 003 DSCs out with excludeNonConformant, and still counts them", async () => {
    const outcome = unwrap(
      await sync(
        input([
          { name: "icaopkd-001.ldif", text: pki.ldif.dscsAndCrls },
          { name: "icaopkd-003.ldif", text: pki.ldif.nonConformant },
        ]),
        { excludeNonConformant: true },
      ),
    );
    // 003 repeats DSCs of 001 in the real PKD; here the UA DSCs are in both, and the 001 copy is stored.
    expect(outcome.verification.dscs.nonConformant).toBe(0);
    const onlyNonConformant = unwrap(
      await sync(input([{ name: "icaopkd-003.ldif", text: pki.ldif.nonConformant }]), {
        excludeNonConformant: true,
      }),
    );
    expect(onlyNonConformant.verification.dscs).toMatchObject({
      nonConformant: ukraine().dscs.length,
      verified: 0,
    });
    expect(onlyNonConformant.counts.dsc).toBe(0);
    expect(await storedDscs()).toEqual([]);
    expect(outcome.counts.dsc).toBe(pki.dscs.length);
  });
});

describe("master lists nested in LDIF are trusted only through a trusted CSCA of their country", () => {
  it("leaves out a list filed under NL but signed through the AL CSCA, names it, and keeps its CSCA and DSCs out", async () => {
    const outcome = unwrap(
      await sync(
        input([
          { name: "icaopkd-001-rogue.ldif", text: pki.hostile.ldif.foreignListDscs },
          { name: "icaopkd-002-rogue.ldif", text: pki.hostile.ldif.foreignSignedList },
        ]),
        { keepUnverifiableDsc: false },
      ),
    );
    expect(outcome.verification.nestedLists).toEqual({ verified: 0, untrusted: 1 });
    const refused = outcome.verification.refused.find((r) => r.kind === "master_list");
    expect(refused).toMatchObject({
      source: expect.stringMatching(/^icaopkd-002-rogue\.ldif \(cn=.*c=NL/),
      subject: "CN=Masterlist Signer NL rogue,O=Kingdom of the Netherlands,C=NL",
      reason: expect.stringMatching(/no path from CN=Masterlist Signer NL rogue/),
    });
    const nested = outcome.verification.lists.find((l) => l.source.startsWith("icaopkd-002-rogue"));
    expect(nested?.trust).toBe("untrusted");
    const rogue = await pool.query("SELECT 1 FROM root_ca WHERE certificate = $1", [
      Buffer.from(pki.hostile.foreignListCsca.der),
    ]);
    expect(rogue.rowCount).toBe(0);
    expect(outcome.counts.root_ca).toBe(pki.cscas.length);
    expect(outcome.verification.dscs).toMatchObject({ verified: 0, unverifiable: 1 });
    expect(await storedDscs()).toEqual([]);
  });

  it("fails the sync on the untrusted nested list with strict", async () => {
    const outcome = await sync(
      input([{ name: "icaopkd-002-rogue.ldif", text: pki.hostile.ldif.foreignSignedList }]),
      {
        strict: true,
      },
    );
    expect(!outcome.ok && outcome.error.code).toBe("SIGNATURE_ERROR");
    expect(!outcome.ok && outcome.error.message).toMatch(
      /the master list of CN=Masterlist Signer NL rogue.* is refused: .*\(strict\)\.$/,
    );
  });

  it("trusts a nested list whose signer chains through its own link certificate to the country's trusted CSCA, and then its CSCAs verify DSCs read before it", async () => {
    const nl = pki.countries.find((c) => c.quirk === "link-certificate") as CountryPki;
    const [oldCsca, newCsca] = nl.cscas as [GeneratedCertificate, GeneratedCertificate];
    // The anchored list carries only the old NL generation: the new one is known only from the nested list.
    const withoutNewNl = pki.certList.filter(
      (der) =>
        !Buffer.from(der).equals(Buffer.from(newCsca.der)) &&
        !nl.links.some((l) => Buffer.from(l.der).equals(Buffer.from(der))),
    );
    const list = signMasterList({
      certificates: withoutNewNl,
      signer: pki.signer,
      includedCertificates: [pki.signer.der, pki.anchorRenewal.der],
      signingTime: pki.signingTime,
    });
    const nlDscs = writePkdLdif(
      "001",
      nl.dscs.map((d) => ({
        kind: "dsc" as const,
        country: "NL",
        subject: d.subject,
        serialNumber: d.serialNumber,
        der: d.der,
      })),
    );
    const outcome = unwrap(
      await sync(
        input(
          [
            { name: "icaopkd-001-nl.ldif", text: nlDscs },
            { name: "icaopkd-002.ldif", text: pki.ldif.masterLists },
          ],
          list,
        ),
      ),
    );
    expect(outcome.verification.nestedLists).toEqual({ verified: 1, untrusted: 0 });
    expect(outcome.verification.dscs).toMatchObject({
      verified: nl.dscs.length,
      unverifiable: 0,
      invalid: 0,
    });
    expect(await storedDscs()).toEqual(nl.dscs.map((d) => hex(d.der)).sort());
    const newRow = await pool.query<{ status: string; collection: string }>(
      `SELECT p.status, p.collection FROM root_ca r JOIN icao_sync_provenance p ON p.row_id = r.id
       WHERE r.certificate = $1`,
      [Buffer.from(newCsca.der)],
    );
    expect(newRow.rows).toEqual([{ status: "verified", collection: "002" }]);
    expect(oldCsca).toBeDefined();
  });
});

describe("inspectSources", () => {
  it("reports the DSC and nested-list counts, the refusals and the provenance rows a sync would write", async () => {
    const report = unwrap(
      await inspectSources(
        input([
          { name: "icaopkd-001.ldif", text: pki.hostile.ldif.dscsAndBarCodeSigners },
          { name: "icaopkd-002-rogue.ldif", text: pki.hostile.ldif.foreignSignedList },
          { name: "icaopkd-003.ldif", text: pki.ldif.nonConformant },
        ]),
        { clock },
      ),
    );
    expect(report.verification.dscs).toMatchObject({
      verified: 1 + 2,
      unverifiable: 1,
      invalid: 1,
      barCodeSigners: 2,
    });
    expect(report.verification.dscs.nonConformant).toBe(2);
    expect(report.verification.nestedLists).toEqual({ verified: 0, untrusted: 1 });
    expect(report.verification.refused.map((r) => [r.kind, r.status ?? null])).toEqual([
      ["master_list", null],
      ["dsc", "invalid"],
      ["dsc", "unverifiable"],
    ]);
    expect(report.icao_sync_provenance).toHaveLength(
      report.root_ca.length + report.dsc.length + report.crls.length,
    );
    const dscRows = new Set(report.dsc.map((r) => r.id));
    expect(
      report.icao_sync_provenance
        .filter((p) => p.table_name === "dsc" && dscRows.has(p.row_id))
        .map((p) => p.collection)
        .sort(),
    ).toEqual(["001", "003", "003"]);
  });
});
