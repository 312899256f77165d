import { createHash } from "node:crypto";
import { createPgPool, parseConnectionUrl } from "@certs/db";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncInput } from "../sync/sync-input.js";
import { type SyncOptions, syncTrustStore } from "../sync/sync-trust-store.js";
import {
  type CountryPki,
  type GeneratedCertificate,
  type GeneratedCrl,
  generateIcaoPki,
  type IcaoPki,
  issueCertificate,
  issueCrl,
  type PkdEntry,
  signMasterList,
  simpleName,
  writePkdLdif,
} from "../testing/index.js";
import { parseCertificate } from "../parse/certificate-summary.js";
import {
  type CountryChanges,
  KEPT_CHANGE_SETS,
  readLastSyncChanges,
  type StoreChanges,
} from "./store-diff.js";
import { migrateTrustStore } from "./trust-store-migrations.js";
import { replaceTrustStore } from "./trust-store-repository.js";
import { buildTrustStoreRows } from "./trust-store-rows.js";

let db: TestDatabase;
let pool: pg.Pool;
let pki: IcaoPki;
let albania: CountryPki;
let netherlands: CountryPki;
let franceCsca: GeneratedCertificate;
let franceDsc: GeneratedCertificate;
let newerAlbanianCrl: GeneratedCrl;
let tick = 0;
// A second per call: the sync log orders runs by their time.
const clock = () => new Date(Date.UTC(2025, 6, 1) + 1000 * tick++);
const bytes = (text: string) => new TextEncoder().encode(text);
const sha256 = (der: Uint8Array) => createHash("sha256").update(der).digest("hex");

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function dscEntry(country: string, dsc: GeneratedCertificate): PkdEntry {
  return { kind: "dsc", country, subject: dsc.subject, serialNumber: dsc.serialNumber, der: dsc.der };
}

function crlEntry(country: string, crl: GeneratedCrl): PkdEntry {
  return { kind: "crl", country, issuer: crl.issuer.subject, der: crl.der };
}

function input(masterList: Uint8Array, ldif: string): SyncInput {
  return {
    masterLists: [{ name: "list.ml", bytes: masterList }],
    ldif: [{ name: "icaopkd-001.ldif", bytes: bytes(ldif) }],
    trustAnchors: [{ name: "anchor.cer", bytes: pki.anchor.der }],
  };
}

const firstInput = () => input(pki.masterList, pki.ldif.dscsAndCrls);

/** The next list: NL's old CSCA gone, a FR CSCA new; AL's second DSC gone, a FR DSC new; AL's CRL newer. */
function secondInput(): SyncInput {
  const oldNl = netherlands.cscas[0] as GeneratedCertificate;
  const list = signMasterList({
    certificates: [...pki.certList.filter((der) => sha256(der) !== sha256(oldNl.der)), franceCsca.der],
    signer: pki.signer,
    includedCertificates: [pki.signer.der, pki.anchorRenewal.der],
    signingTime: pki.signingTime,
  });
  const gone = albania.dscs[1] as GeneratedCertificate;
  const ldif = writePkdLdif("001", [
    ...pki.countries.flatMap((c) => c.dscs.filter((d) => d !== gone).map((d) => dscEntry(c.code, d))),
    dscEntry("FR", franceDsc),
    ...pki.countries.filter((c) => c !== albania).map((c) => crlEntry(c.code, c.crl)),
    crlEntry("AL", newerAlbanianCrl),
  ]);
  return input(list, ldif);
}

async function sync(syncInput: SyncInput, options: SyncOptions = {}) {
  return unwrap(await syncTrustStore(pool, syncInput, { clock, ...options }));
}

/** `{ "dsc AL": "+2 -0 ~0" }`: every table and country that changed, as a compact map. */
function byCountry(changes: StoreChanges | null): Record<string, string> {
  return Object.fromEntries(
    (changes?.countries ?? []).map((c: CountryChanges) => [
      `${c.table} ${c.country ?? "-"}`,
      `+${c.added} -${c.removed} ~${c.replaced}`,
    ]),
  );
}

/** The same map, computed from the rows now in the tables (each row counted as added). */
async function storedByCountry(): Promise<Record<string, string>> {
  const rows = await pool.query<{ key: string; n: string }>(
    `SELECT t || ' ' || coalesce(c, '-') AS key, count(*) AS n FROM (
       SELECT 'root_ca' AS t, upper(substring(issuer from '(?:^|,)C=([^,+]*)')) AS c FROM root_ca
       UNION ALL SELECT 'dsc', upper(substring(issuer from '(?:^|,)C=([^,+]*)')) FROM dsc
       UNION ALL SELECT 'crls', country FROM crls
       UNION ALL SELECT 'revoked_certificate_list', country FROM revoked_certificate_list) x
     GROUP BY 1`,
  );
  return Object.fromEntries(rows.rows.map((r) => [r.key, `+${r.n} -0 ~0`]));
}

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  const spec = parseConnectionUrl(db.url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error("a PostgreSQL test database was expected");
  pool = unwrap(createPgPool(spec.value, { poolSize: 2 }));
  unwrap(await migrateTrustStore(pool));
  pki = generateIcaoPki({ seed: "store-changes", extraCountries: 0, rsaModulusLength: 1024 });
  albania = pki.countries.find((c) => c.code === "AL") as CountryPki;
  netherlands = pki.countries.find((c) => c.code === "NL") as CountryPki;
  const albanianCsca = albania.cscas[0] as GeneratedCertificate;
  const t = pki.signingTime.getTime();
  const template = albania.dscs[0] as GeneratedCertificate;
  franceCsca = issueCertificate({
    subject: simpleName(["C", "FR"], ["O", "Gouvernement"], ["CN", "CSCA-FRANCE"]),
    serialNumber: 0xf1n,
    notBefore: new Date(t - 1e11),
    notAfter: new Date(t + 3e11),
    key: albanianCsca.key,
    subjectKeyIdentifier: new Uint8Array(20).fill(0xf1),
  });
  franceDsc = issueCertificate({
    subject: simpleName(["C", "FR"], ["CN", "DS FR 1"]),
    serialNumber: 0xf2n,
    notBefore: template.notBefore,
    notAfter: template.notAfter,
    key: template.key,
    issuer: franceCsca,
    subjectKeyIdentifier: new Uint8Array(20).fill(0xf2),
    basicConstraints: "none",
  });
  newerAlbanianCrl = issueCrl(
    albanianCsca,
    [...albania.crl.entries, { serialNumber: 0xabcdefn, revocationDate: new Date("2025-06-24T00:00:00Z") }],
    { thisUpdate: new Date("2025-06-25T00:00:00Z"), nextUpdate: new Date("2025-09-25T00:00:00Z") },
  );
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("every sync records what it changed, per table and country", () => {
  it("before any sync there is nothing to read", async () => {
    expect(unwrap(await readLastSyncChanges(pool))).toBeNull();
  });

  it("the first sync into an empty store adds everything", async () => {
    const outcome = await sync(firstInput());
    const changes = outcome.changes as StoreChanges;
    expect(changes.firstSync).toBe(true);
    expect(changes.syncId).toBe(outcome.syncId);
    expect(changes.tables).toEqual({
      root_ca: { added: outcome.counts.root_ca, removed: 0, replaced: 0 },
      dsc: { added: outcome.counts.dsc, removed: 0, replaced: 0 },
      crls: { added: outcome.counts.crls, removed: 0, replaced: 0 },
      revoked_certificate_list: { added: outcome.counts.revoked_certificate_list, removed: 0, replaced: 0 },
    });
    expect(outcome.counts.dsc).toBe(16);
    expect(byCountry(changes)).toEqual(await storedByCountry());
    // The generator's facts: NL has two generations and a link, the IT CSCA has no C, C=al is upper-cased.
    expect(byCountry(changes)).toMatchObject({
      "root_ca NL": "+3 -0 ~0",
      "root_ca UT": "+4 -0 ~0",
      "root_ca AL": "+1 -0 ~0",
      "root_ca -": "+1 -0 ~0",
      "dsc AL": "+2 -0 ~0",
      "dsc -": "+2 -0 ~0",
      "crls AL": "+1 -0 ~0",
    });
  });

  it("a list with one CSCA removed, one added, a DSC gone, a DSC new and a newer CRL records exactly that", async () => {
    const outcome = await sync(secondInput());
    const changes = outcome.changes as StoreChanges;
    expect(changes.firstSync).toBe(false);
    expect(byCountry(changes)).toEqual({
      "root_ca FR": "+1 -0 ~0",
      "root_ca NL": "+0 -1 ~0",
      "dsc AL": "+0 -1 ~0",
      "dsc FR": "+1 -0 ~0",
      "crls AL": "+0 -0 ~1",
      "revoked_certificate_list AL": "+1 -0 ~0",
    });
    expect(changes.tables.crls).toEqual({ added: 0, removed: 0, replaced: 1 });
    const oldNl = netherlands.cscas[0] as GeneratedCertificate;
    const removedNl = changes.countries.find((c) => c.table === "root_ca" && c.country === "NL");
    expect(removedNl?.entries).toEqual([
      {
        change: "removed",
        issuer: "2.5.4.5=6,CN=CSCA NL,O=Kingdom of the Netherlands,C=NL",
        serial: "0x6",
        sha256: sha256(oldNl.der),
      },
    ]);
    const crl = changes.countries.find((c) => c.table === "crls");
    expect(crl?.entries).toEqual([
      {
        change: "replaced",
        issuer: "CN=CSCA ALB,O=Ministry of Interior,C=al",
        serial: null,
        sha256: sha256(newerAlbanianCrl.der),
        previousSha256: sha256(albania.crl.der),
      },
    ]);
    const revoked = changes.countries.find((c) => c.table === "revoked_certificate_list");
    expect(revoked?.entries).toEqual([
      {
        change: "added",
        issuer: "CN=CSCA ALB,O=Ministry of Interior,C=al",
        serial: "0xabcdef",
        sha256: null,
      },
    ]);
    const last = unwrap(await readLastSyncChanges(pool));
    expect(last).toMatchObject({
      syncId: outcome.syncId,
      status: "replaced",
      source: "list.ml, icaopkd-001.ldif",
    });
    expect(last?.changes).toEqual(changes);
  });

  it("the same input again changes nothing, signed again or rewritten with force", async () => {
    const resigned = await sync(secondInput());
    expect(resigned.status).toBe("replaced");
    expect(byCountry(resigned.changes)).toEqual({});
    const rewritten = await sync(secondInput(), { force: true });
    expect(rewritten.status).toBe("replaced");
    expect(rewritten.changes?.tables.dsc).toEqual({ added: 0, removed: 0, replaced: 0 });
    expect(byCountry(rewritten.changes)).toEqual({});
  });

  it("an input equal to the last sync's is reported unchanged with no changes", async () => {
    // Back to the first list, whose CRL of AL is the older one.
    const first = await sync(firstInput(), { allowCrlRollback: true });
    expect(first.status).toBe("replaced");
    expect(first.changes?.tables.crls).toEqual({ added: 0, removed: 0, replaced: 1 });
    const again = await sync(firstInput(), { allowCrlRollback: true });
    expect(again.status).toBe("unchanged");
    expect(byCountry(again.changes)).toEqual({});
    const last = unwrap(await readLastSyncChanges(pool));
    expect(last).toMatchObject({ syncId: again.syncId, status: "unchanged" });
    expect(last?.changes?.countries).toEqual([]);
  });

  it("a dry run records nothing and reports no changes", async () => {
    const before = unwrap(await readLastSyncChanges(pool));
    const dry = await sync(secondInput(), { dryRun: true });
    expect(dry.changes).toBeNull();
    expect(unwrap(await readLastSyncChanges(pool))).toEqual(before);
  });
});

describe("only the last syncs keep their change records", () => {
  it(`a sync drops the records of all but the last ${KEPT_CHANGE_SETS} syncs, its own counted, changes and all`, async () => {
    const csca = unwrap(parseCertificate((albania.cscas[0] as GeneratedCertificate).der));
    const oneCsca = buildTrustStoreRows({ cscas: [csca] }, { updatedAt: clock() });
    const none = buildTrustStoreRows({}, { updatedAt: clock() });
    const ids: string[] = [];
    let last: StoreChanges | null = null;
    unwrap(await replaceTrustStore(pool, none, { clock }));
    // Every sync adds or removes the one CSCA, so each has a change record to drop.
    for (let i = 0; i < KEPT_CHANGE_SETS + 2; i++) {
      const outcome = unwrap(await replaceTrustStore(pool, i % 2 === 0 ? oneCsca : none, { clock }));
      expect(outcome.changes.tables.root_ca).toEqual(
        i % 2 === 0 ? { added: 1, removed: 0, replaced: 0 } : { added: 0, removed: 1, replaced: 0 },
      );
      ids.push(outcome.syncId);
      last = outcome.changes;
    }
    const kept = await pool.query<{ sync_id: string }>(
      "SELECT sync_id FROM icao_sync_history ORDER BY recorded_at",
    );
    expect(kept.rows.map((r) => r.sync_id)).toEqual(ids.slice(-KEPT_CHANGE_SETS));
    const recorded = await pool.query<{ sync_id: string }>("SELECT DISTINCT sync_id FROM icao_sync_change");
    expect(recorded.rows.map((r) => r.sync_id).sort()).toEqual(ids.slice(-KEPT_CHANGE_SETS).sort());
    expect(unwrap(await readLastSyncChanges(pool))?.changes).toEqual(last);
  });
});
