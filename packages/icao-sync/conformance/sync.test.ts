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
    const outcome = await syncTrustStore(
      pool,
      { ldif: [fixturePath("icaopkd-003-complete-000090.ldif")], crls: [fixturePath("COL.crl")] },
      { allowUnanchored: true, force: true },
    );
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    expect(outcome.value.counts).toMatchObject({ crls: 0, revoked_certificate_list: 0 });
    expect(outcome.value.verification.crls).toMatchObject({ verified: 0, invalid: 1 });
    expect(outcome.value.verification.refused[0]).toMatchObject({
      kind: "crl",
      subject: "CN=Government of Colombia CSCA,OU=Certification Authorities,O=Colombia,C=CO",
    });
  });
});
