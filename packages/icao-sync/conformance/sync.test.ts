import path from "node:path";
import { createPgPool, parseConnectionUrl } from "@certs/db";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateTrustStore, readSyncLog, syncTrustStore } from "../src/index.js";
import { fixture, masterLists } from "./fixtures.js";

function fixturePath(name: string): string {
  const dir = process.env.CERTS_FIXTURES_DIR;
  if (dir === undefined) throw new Error("CERTS_FIXTURES_DIR is not set; the root vitest config sets it");
  return path.join(dir, "icao", name);
}

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  const spec = parseConnectionUrl(db.url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error("a PostgreSQL test database was expected");
  const created = createPgPool(spec.value, { poolSize: 2 });
  if (!created.ok) throw new Error(created.error.message);
  pool = created.value;
  const migrated = await migrateTrustStore(pool);
  if (!migrated.ok) throw new Error(migrated.error.message);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("syncTrustStore on real files", () => {
  it("stores the 559 certificates of the German master list, verified against csca-germany, byte for byte", async () => {
    const outcome = await syncTrustStore(pool, {
      masterLists: [fixturePath(masterLists.germany.file)],
      trustAnchors: [fixturePath(masterLists.germany.anchor)],
    });
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    expect(outcome.value.status).toBe("replaced");
    expect(outcome.value.counts).toEqual({ root_ca: 559, dsc: 0, crls: 0, revoked_certificate_list: 0 });
    expect(outcome.value.verification.lists[0]).toMatchObject({ signature: "verified", chain: "verified" });

    const rows = await pool.query<{ certificate: Buffer }>("SELECT certificate FROM root_ca");
    expect(rows.rows).toHaveLength(559);
    // Every stored DER occurs verbatim in the file: nothing was re-encoded.
    const file = fixture(masterLists.germany.file);
    const missing = rows.rows.filter((r) => file.indexOf(r.certificate) < 0);
    expect(missing).toHaveLength(0);
  });

  it("refuses ICAO_ml_September2023.ml, whose signature does not verify, and keeps the German rows", async () => {
    const outcome = await syncTrustStore(pool, {
      masterLists: [fixturePath("ICAO_ml_September2023.ml")],
      trustAnchors: [fixturePath("un-csca.pem")],
    });
    expect(!outcome.ok && outcome.error.code).toBe("SIGNATURE_ERROR");
    const count = await pool.query<{ n: string }>("SELECT count(*) AS n FROM root_ca");
    expect(Number(count.rows[0]?.n)).toBe(559);
    const log = await readSyncLog(pool);
    expect(log.ok && log.value.map((entry) => entry.status)).toEqual(["replaced"]);
  });

  it("stores COL.crl, whose signature verifies with the Colombian CSCA of the anchored ICAO list, with its 15 revoked entries", async () => {
    for (const [list, anchor] of [
      ["ICAO_ml_December2025.ml", "un-csca.pem"],
      [masterLists.germany.file, masterLists.germany.anchor],
    ] as const) {
      const outcome = await syncTrustStore(pool, {
        masterLists: [fixturePath(list)],
        ldif: [fixturePath("icaopkd-003-complete-000090.ldif")],
        crls: [fixturePath("COL.crl")],
        trustAnchors: [fixturePath(anchor)],
      });
      if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
      expect(outcome.value.verification.crls, list).toMatchObject({ verified: 1, invalid: 0 });
      expect(outcome.value.counts).toMatchObject({ crls: 1, revoked_certificate_list: 15 });
      const countries = await pool.query<{ country: string; n: string }>(
        "SELECT country, count(*) AS n FROM revoked_certificate_list GROUP BY country",
      );
      expect(countries.rows.map((r) => [r.country, Number(r.n)])).toEqual([["CO", 15]]);
      const fkOk = await pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM revoked_certificate_list r JOIN crls c ON c.id = r.crl",
      );
      expect(Number(fkOk.rows[0]?.n)).toBe(15);
    }
  });

  it("leaves COL.crl out without a trusted CSCA to verify it, and says why", async () => {
    // Without a master list nothing is trusted: the DSCs are unverifiable and kept only because asked to.
    const outcome = await syncTrustStore(
      pool,
      { ldif: [fixturePath("icaopkd-003-complete-000090.ldif")], crls: [fixturePath("COL.crl")] },
      { allowUnanchored: true, keepUnverifiableDsc: true, force: true },
    );
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    expect(outcome.value.counts).toMatchObject({ dsc: 502, crls: 0, revoked_certificate_list: 0 });
    expect(outcome.value.verification.dscs).toMatchObject({ verified: 0, unverifiable: 502, invalid: 0 });
    expect(outcome.value.verification.crls).toMatchObject({ verified: 0, invalid: 1 });
    expect(outcome.value.verification.refused[0]).toMatchObject({
      kind: "crl",
      subject: "CN=Government of Colombia CSCA,OU=Certification Authorities,O=Colombia,C=CO",
    });
  });

  it("verifies all 502 DSCs of the real 003 LDIF against the CSCAs of the anchored ICAO list, and keeps their conformance fields", async () => {
    const outcome = await syncTrustStore(pool, {
      masterLists: [fixturePath("ICAO_ml_December2025.ml")],
      ldif: [fixturePath("icaopkd-003-complete-000090.ldif")],
      trustAnchors: [fixturePath("un-csca.pem")],
    });
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    expect(outcome.value.counts).toMatchObject({ root_ca: 536, dsc: 502 });
    expect(outcome.value.verification.dscs).toEqual({
      verified: 502,
      unverifiable: 0,
      invalid: 0,
      nonConformant: 502,
      barCodeSigners: 0,
    });
    expect(outcome.value.verification.refused).toEqual([]);
    const provenance = await pool.query<{
      collection: string;
      status: string;
      codes: number;
      texts: number;
      pkd_version: number | null;
    }>(
      `SELECT p.collection, p.status, p.pkd_version,
              array_length(string_to_array(p.conformance_code, E'\\n'), 1) AS codes,
              array_length(string_to_array(p.conformance_text, E'\\n'), 1) AS texts
       FROM dsc d JOIN icao_sync_provenance p ON p.table_name = 'dsc' AND p.row_id = d.id`,
    );
    expect(provenance.rows).toHaveLength(502);
    expect(provenance.rows.every((r) => r.collection === "003" && r.status === "verified")).toBe(true);
    // Every entry carries at least one code and as many texts as codes (2,084 of each over the file).
    expect(provenance.rows.every((r) => r.codes >= 1 && r.codes === r.texts && r.pkd_version !== null)).toBe(
      true,
    );
    expect(provenance.rows.reduce((sum, r) => sum + r.codes, 0)).toBe(2084);
    const first = await pool.query<{ conformance_code: string; pkd_version: number }>(
      `SELECT p.conformance_code, p.pkd_version FROM dsc d JOIN icao_sync_provenance p ON p.row_id = d.id
       WHERE d.isn = '0x14375b4220500894'`,
    );
    expect(first.rows).toEqual([{ conformance_code: "ERR:CSCA.BAC.25", pkd_version: 16 }]);
  });

  it("verifies the real 003 DSCs of the countries the German list carries (358) and leaves the other 144 out as unverifiable", async () => {
    const outcome = await syncTrustStore(
      pool,
      {
        masterLists: [fixturePath(masterLists.germany.file)],
        ldif: [fixturePath("icaopkd-003-complete-000090.ldif")],
        trustAnchors: [fixturePath(masterLists.germany.anchor)],
      },
      { excludeNonConformant: false },
    );
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    expect(outcome.value.verification.dscs).toMatchObject({ verified: 358, unverifiable: 144, invalid: 0 });
    expect(outcome.value.counts.dsc).toBe(358);
    const excluded = await syncTrustStore(
      pool,
      {
        masterLists: [fixturePath(masterLists.germany.file)],
        ldif: [fixturePath("icaopkd-003-complete-000090.ldif")],
        trustAnchors: [fixturePath(masterLists.germany.anchor)],
      },
      { excludeNonConformant: true },
    );
    if (!excluded.ok) throw new Error(`${excluded.error.code}: ${excluded.error.message}`);
    expect(excluded.value.counts.dsc).toBe(0);
    expect(excluded.value.verification.dscs).toMatchObject({ verified: 0, nonConformant: 502 });
  });
});
