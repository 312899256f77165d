import { parseLdif, parseMasterList, loadTrustAnchors, syncTrustStore } from "@certs/icao-sync";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { migratedPool, tableCounts } from "./case-database.js";
import { generateSyntheticPkd, skewedSplit, syntheticPkdSpec, type SyntheticPkd } from "./synthetic-pkd.js";

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function generate(spec: ReturnType<typeof syntheticPkdSpec>): SyntheticPkd & { ldif: string } {
  const pieces: string[] = [];
  const generated = generateSyntheticPkd(spec, (text) => pieces.push(text));
  return { ...generated, ldif: pieces.join("") };
}

describe("synthetic PKD", () => {
  test("the LDIF holds exactly the DSCs, CRLs and revoked entries asked for, and the list every CSCA", () => {
    const spec = {
      ...syntheticPkdSpec(60),
      countries: 5,
      crls: 7,
      revokedEntries: 45,
      dscKeys: 4,
      seed: "t",
    };
    const { counts, ldif, masterList, trustAnchor } = generate(spec);

    const parsed = unwrap(parseLdif(ldif));
    expect(parsed.dscs).toHaveLength(60);
    expect(parsed.crls).toHaveLength(7);
    expect(parsed.crls.reduce((sum, entry) => sum + entry.crl.revoked.length, 0)).toBe(45);
    expect(new Set(parsed.dscs.map((entry) => entry.country))).toEqual(
      new Set(["AT", "AU", "BE", "BG", "BR"]),
    );
    expect(ldif.match(/^version: 1$/gm)).toHaveLength(1);
    const list = unwrap(
      parseMasterList(masterList, { trustAnchors: unwrap(loadTrustAnchors([trustAnchor])) }),
    );
    expect(list.verification?.chainChecked).toBe(true);
    // One CSCA per CRL: the issuers of the CRLs are exactly the list's CSCAs.
    expect(new Set(list.cscas.map((csca) => csca.subject))).toEqual(
      new Set(parsed.crls.map((entry) => entry.crl.issuer)),
    );
    expect(counts).toEqual({
      cscas: 7,
      dscs: 60,
      crls: 7,
      revokedEntries: 45,
      countries: 5,
      bytes: Buffer.byteLength(ldif),
    });
  });

  test("the full spec is the issue's PKD size", () => {
    expect(syntheticPkdSpec()).toMatchObject({
      dscs: 50_000,
      crls: 300,
      revokedEntries: 200_000,
      countries: 60,
    });
  });

  test("a skewed split sums to the total and gives every part its minimum", () => {
    const parts = skewedSplit(300, 60, 1);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(300);
    expect(Math.min(...parts)).toBeGreaterThanOrEqual(1);
    expect(parts[0]).toBeGreaterThan(parts[59] ?? 0);
  });
});

describe("a sync of the synthetic PKD with its master list and trust anchor", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    pool = await migratedPool(db.url);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  // More signatures than a sync checks in its own thread before it starts the worker pool.
  test("verifies and stores every DSC, CRL and revoked entry, and every CSCA of the list", async () => {
    const spec = { ...syntheticPkdSpec(1_500), dscKeys: 8 };
    const { counts, ldif, masterList, trustAnchor } = generate(spec);
    const messages: string[] = [];
    let checked = { inThread: 0, inWorkers: 0 };
    const record = (fields: object, message?: string) => {
      messages.push(message ?? "");
      if (message === "signatures checked") checked = fields as typeof checked;
    };
    const outcome = unwrap(
      await syncTrustStore(
        pool,
        {
          masterLists: [{ name: "synthetic.ml", bytes: masterList }],
          ldif: [{ name: "synthetic.ldif", bytes: new TextEncoder().encode(ldif) }],
          trustAnchors: [{ name: "synthetic-anchor.cer", bytes: trustAnchor }],
        },
        { signatureThreads: 2, logger: { debug: record, info: record, warn: record, error: record } },
      ),
    );
    expect(messages).toContain("signature workers started");
    expect(checked.inThread + checked.inWorkers).toBe(counts.dscs + counts.crls);
    expect(messages).not.toContain("signature workers failed; checking signatures in this thread");
    expect(await tableCounts(pool)).toEqual({
      root_ca: counts.cscas,
      dsc: counts.dscs,
      crls: counts.crls,
      revoked_certificate_list: counts.revokedEntries,
    });
    expect(counts).toMatchObject({ cscas: 60, dscs: 1_500, crls: 60, revokedEntries: 6_000 });
    expect(outcome.verification.dscs).toEqual({
      verified: 1_500,
      unverifiable: 0,
      invalid: 0,
      nonConformant: 0,
      barCodeSigners: 0,
    });
    expect(outcome.verification.crls).toEqual({ verified: 60, invalid: 0, stale: 0, rolledBack: 0 });
    expect(outcome.verification.refused).toEqual([]);
    expect(outcome.verification.lists.map((list) => list.chain)).toEqual(["verified"]);
    const provenance = await pool.query<{ table_name: string; status: string; n: string }>(
      "SELECT table_name, status, count(*) AS n FROM icao_sync_provenance GROUP BY 1, 2 ORDER BY 1, 2",
    );
    expect(provenance.rows.map((r) => [r.table_name, r.status, Number(r.n)])).toEqual([
      ["crls", "verified", 60],
      ["dsc", "verified", 1_500],
      ["root_ca", "verified", 60],
    ]);
  });
});
