import { createPgPool, parseConnectionUrl } from "@certs/db";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CountryPki,
  type CrlForgery,
  type GeneratedCertificate,
  generateIcaoPki,
  generateSigningKey,
  type IcaoPki,
  issueCertificate,
  issueCrl,
  signMasterList,
  simpleName,
} from "../testing/index.js";
import { migrateTrustStore } from "../trust-store/trust-store-migrations.js";
import type { SyncInput } from "./sync-input.js";
import { type SyncOptions, syncTrustStore } from "./sync-trust-store.js";

let db: TestDatabase;
let pool: pg.Pool;
let pki: IcaoPki;
let country: CountryPki;
let csca: GeneratedCertificate;
const clock = () => new Date("2025-07-01T00:00:00Z");

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function crl(
  forge: CrlForgery = {},
  dates = { thisUpdate: new Date("2025-06-20T00:00:00Z"), nextUpdate: new Date("2025-09-01T00:00:00Z") },
) {
  return issueCrl(
    csca,
    [{ serialNumber: 77n, revocationDate: new Date("2025-06-01T00:00:00Z"), reasonCode: 1 }],
    dates,
    forge,
  );
}

/** The generated list, genuinely signed, carrying `crls` in SignedData.crls. */
function listWith(crls: readonly Uint8Array[]): Uint8Array {
  return signMasterList({
    certificates: pki.certList,
    signer: pki.signer,
    includedCertificates: [pki.signer.der, pki.anchorRenewal.der],
    signingTime: pki.signingTime,
    crls,
  });
}

function input(list: Uint8Array, crlFiles: readonly Uint8Array[] = []): SyncInput {
  return {
    masterLists: [{ name: "list.ml", bytes: list }],
    crls: crlFiles.map((bytes, i) => ({ name: `file-${i}.crl`, bytes })),
    trustAnchors: [{ name: "anchor.cer", bytes: pki.anchor.der }],
  };
}

async function storedCrls(): Promise<{ issuer: string; revoked: number }[]> {
  const rows = await pool.query<{ issuer: string; n: string }>(
    `SELECT c.issuer, count(r.id) AS n FROM crls c LEFT JOIN revoked_certificate_list r ON r.crl = c.id
     GROUP BY c.id, c.issuer ORDER BY c.issuer`,
  );
  return rows.rows.map((r) => ({ issuer: r.issuer, revoked: Number(r.n) }));
}

async function sync(syncInput: SyncInput, options: SyncOptions = {}) {
  return syncTrustStore(pool, syncInput, { clock, force: true, ...options });
}

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  const spec = parseConnectionUrl(db.url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error("a PostgreSQL test database was expected");
  pool = unwrap(createPgPool(spec.value, { poolSize: 2 }));
  unwrap(await migrateTrustStore(pool));
  pki = generateIcaoPki({ seed: "crl-trust", extraCountries: 0, rsaModulusLength: 1024 });
  country = pki.countries.find((c) => c.quirk === "lowercase-country") as CountryPki;
  csca = country.cscas[country.cscas.length - 1] as GeneratedCertificate;
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("CRLs enter the trust store only when a trusted CSCA signed them", () => {
  it("a forged CRL in SignedData.crls of a genuinely signed list is left out and reported; the genuine one is stored", async () => {
    const forged = crl({ signingKey: generateSigningKey("rsa-pkcs1", { rsaModulusLength: 1024 }) });
    const genuine = crl();
    const outcome = unwrap(await sync(input(listWith([forged.der, genuine.der]))));
    expect(outcome.verification.lists[0]).toMatchObject({ signature: "verified", chain: "verified" });
    expect(outcome.verification.crls).toEqual({ verified: 1, invalid: 1, stale: 0, rolledBack: 0 });
    expect(outcome.verification.refused).toEqual([
      {
        kind: "crl",
        source: "list.ml (SignedData.crls)",
        subject: "CN=CSCA ALB,O=Ministry of Interior,C=al",
        reason:
          "its RSA PKCS#1 v1.5 with sha256 signature does not verify with any trusted CSCA CN=CSCA ALB,O=Ministry of Interior,C=al",
      },
    ]);
    expect(await storedCrls()).toEqual([{ issuer: "CN=CSCA ALB,O=Ministry of Interior,C=al", revoked: 1 }]);
  });

  it("with strict the forged CRL fails the sync and nothing is written", async () => {
    const before = await storedCrls();
    const forged = crl({ signingKey: generateSigningKey("rsa-pkcs1", { rsaModulusLength: 1024 }) });
    const outcome = await sync(input(listWith([]), [forged.der]), { strict: true });
    expect(!outcome.ok && outcome.error.code).toBe("SIGNATURE_ERROR");
    expect(!outcome.ok && outcome.error.message).toMatch(
      /^file-0\.crl: the CRL of CN=CSCA ALB.* is refused: .*\(strict\)\.$/,
    );
    expect(await storedCrls()).toEqual(before);
  });

  it("a CRL whose issuer is no trusted CSCA is left out", async () => {
    const stranger = issueCertificate({
      subject: simpleName(["C", "ZZ"], ["CN", "CSCA Nowhere"]),
      serialNumber: 5n,
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2035-01-01T00:00:00Z"),
      key: generateSigningKey("ecdsa-p256"),
      subjectKeyIdentifier: new Uint8Array(20).fill(7),
    });
    const strangerCrl = issueCrl(stranger, [], {
      thisUpdate: new Date("2025-06-20T00:00:00Z"),
      nextUpdate: new Date("2025-09-01T00:00:00Z"),
    });
    const outcome = unwrap(await sync(input(listWith([]), [strangerCrl.der])));
    expect(outcome.verification.crls).toMatchObject({ verified: 0, invalid: 1 });
    expect(outcome.verification.refused[0]?.reason).toMatch(/^no trusted CSCA /);
    expect(outcome.counts.crls).toBe(0);
  });

  it("a CRL with a thisUpdate in the future is refused; one past its nextUpdate is stored and reported stale", async () => {
    const future = crl(
      { crlNumber: 1n },
      { thisUpdate: new Date("2025-07-01T00:06:00Z"), nextUpdate: new Date("2025-09-01T00:00:00Z") },
    );
    const outcome = unwrap(await sync(input(listWith([]), [future.der])));
    expect(outcome.verification.crls).toMatchObject({ verified: 0, invalid: 1 });
    expect(outcome.verification.refused[0]?.reason).toBe(
      "its thisUpdate 2025-07-01T00:06:00.000Z is in the future",
    );

    const stale = crl(
      {},
      { thisUpdate: new Date("2025-05-01T00:00:00Z"), nextUpdate: new Date("2025-06-01T00:00:00Z") },
    );
    const stored = unwrap(await sync(input(listWith([]), [stale.der])));
    expect(stored.verification.crls).toEqual({ verified: 1, invalid: 0, stale: 1, rolledBack: 0 });
    expect(await storedCrls()).toHaveLength(1);
  });

  it("an older CRL after a newer one fails the sync naming the issuer and both numbers, unless allowCrlRollback", async () => {
    unwrap(await sync(input(listWith([]), [crl({ crlNumber: 12n }).der])));
    const before = await pool.query<{ id: string }>("SELECT id FROM crls ORDER BY id");
    const older = crl({ crlNumber: 11n });
    const outcome = await sync(input(listWith([]), [older.der]));
    expect(!outcome.ok && outcome.error.code).toBe("SIGNATURE_ERROR");
    expect(!outcome.ok && outcome.error.message).toBe(
      "file-0.crl: the CRL of CN=CSCA ALB,O=Ministry of Interior,C=al (cRLNumber 11) is older than the stored one (cRLNumber 12); refusing to roll the revocation list back (allowCrlRollback to force).",
    );
    expect((await pool.query<{ id: string }>("SELECT id FROM crls ORDER BY id")).rows).toEqual(before.rows);

    const forced = unwrap(await sync(input(listWith([]), [older.der]), { allowCrlRollback: true }));
    expect(forced.verification.crls).toMatchObject({ verified: 1, rolledBack: 1 });
  });
});

describe("strict CRL parsing", () => {
  it("a NUL in the issuer's country, a mis-tagged revoked list or trailing bytes is a PARSE_ERROR naming the source, and nothing is written", async () => {
    const before = await storedCrls();
    const nulCountry = crl({ issuerName: simpleName(["C", "A\u0000"], ["CN", "CSCA ALB"]) });
    const misTagged = crl({ revokedListTag: 0x31 });
    const trailing = crl({ trailingBytes: new Uint8Array([0, 0]) });
    for (const [bad, message] of [
      [nulCountry, /control character in its country/],
      [misTagged, /unexpected element \(tag 0x31\)/],
      [trailing, /unexpected bytes after it/],
    ] as const) {
      const outcome = await sync(input(listWith([]), [bad.der]));
      expect(!outcome.ok && outcome.error.code).toBe("PARSE_ERROR");
      expect(!outcome.ok && outcome.error.message).toMatch(/^file-0\.crl: /);
      expect(!outcome.ok && outcome.error.message).toMatch(message);
      if (bad !== trailing) {
        // The same CRL inside a master list's SignedData.crls is refused as well.
        const carried = await sync(input(listWith([bad.der])));
        expect(!carried.ok && carried.error.code).toBe("PARSE_ERROR");
      }
    }
    expect(await storedCrls()).toEqual(before);
  });
});
