import { createPgPool, parseConnectionUrl } from "@certs/db";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildTrustStoreRows,
  countTrustStore,
  migrateTrustStore,
  parseCrl,
  parseLdif,
  parseMasterList,
  replaceTrustStore,
  type TrustStoreContent,
} from "../src/index.js";
import { anchors, fixture, masterLists } from "./fixtures.js";

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  pool = openPool(db.url, 2);
  const migrated = await migrateTrustStore(pool);
  if (!migrated.ok) throw new Error(migrated.error.message);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function storeAndReadBack(content: TrustStoreContent) {
  const rows = buildTrustStoreRows(content, { updatedAt: new Date("2026-01-01T00:00:00Z") });
  const stored = await replaceTrustStore(pool, rows);
  if (!stored.ok) throw new Error(stored.error.message);
  const counts = await countTrustStore(pool);
  if (!counts.ok) throw new Error(counts.error.message);
  const table = rows.root_ca.length > 0 ? "root_ca" : "dsc";
  const back = await pool.query<{
    id: string;
    certificate: Buffer;
    x_500_issuer: Buffer;
    issuer: string;
    isn: string;
  }>(`SELECT id, certificate, x_500_issuer, issuer, isn FROM ${table}`);
  const byId = new Map(back.rows.map((r) => [r.id, r]));
  const written = table === "root_ca" ? rows.root_ca : rows.dsc;
  const identical = written.every((row) => {
    const read = byId.get(row.id);
    return (
      read !== undefined &&
      read.certificate.equals(Buffer.from(row.certificate)) &&
      read.x_500_issuer.equals(Buffer.from(row.x_500_issuer)) &&
      read.issuer === row.issuer &&
      read.isn === row.isn
    );
  });
  return { counts: counts.value, identical, rows };
}

describe("real inputs stored in PostgreSQL and read back", () => {
  it.each([
    [masterLists.icao.file, masterLists.icao.anchor, 536],
    [masterLists.germany.file, masterLists.germany.anchor, 559],
    [masterLists.netherlands.file, masterLists.netherlands.anchor, 395],
    ["NL_MASTERLIST_20211207.mls", null, 306],
  ])("%s (anchor %s): %i root_ca rows, byte-identical", async (file, anchorFile, expected) => {
    const list = parseMasterList(fixture(file), {
      trustAnchors: anchorFile === null ? [] : anchors(anchorFile),
    });
    if (!list.ok) throw new Error(list.error.message);
    const { counts, identical } = await storeAndReadBack({ cscas: list.value.cscas });
    expect(counts).toEqual({ root_ca: expected, dsc: 0, crls: 0, revoked_certificate_list: 0 });
    expect(identical).toBe(true);
  });

  it("the PKD LDIF gives 502 dsc rows from 13 countries, byte-identical", async () => {
    const ldif = parseLdif(fixture("icaopkd-003-complete-000090.ldif"));
    if (!ldif.ok) throw new Error(ldif.error.message);
    expect(new Set(ldif.value.dscs.map((d) => d.country)).size).toBe(13);
    const { counts, identical } = await storeAndReadBack({ dscs: ldif.value.dscs.map((d) => d.certificate) });
    expect(counts.dsc).toBe(502);
    expect(identical).toBe(true);
  });

  it("COL.crl gives one crls row and 15 revoked rows with country CO", async () => {
    const crl = parseCrl(fixture("COL.crl"));
    if (!crl.ok) throw new Error(crl.error.message);
    const { counts } = await storeAndReadBack({ crls: [crl.value] });
    expect(counts).toEqual({ root_ca: 0, dsc: 0, crls: 1, revoked_certificate_list: 15 });
    const countries = await pool.query<{ country: string; n: string }>(
      "SELECT country, count(*) AS n FROM revoked_certificate_list GROUP BY country",
    );
    expect(countries.rows).toEqual([{ country: "CO", n: "15" }]);
    const stored = await pool.query<{ crl: Buffer }>("SELECT crl FROM crls");
    expect(stored.rows[0]?.crl.equals(fixture("COL.crl"))).toBe(true);
  });
});

/** A pool made the way applications make it, through @certs/db (which also handles idle-connection errors). */
function openPool(url: string, poolSize: number): pg.Pool {
  const spec = parseConnectionUrl(url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error(`not a PostgreSQL URL: ${url}`);
  const pool = createPgPool(spec.value, { poolSize });
  if (!pool.ok) throw new Error(pool.error.message);
  return pool.value;
}
