import { randomUUID } from "node:crypto";
import { createPgPool, parseConnectionUrl } from "@certs/db";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCrl } from "../parse/crl.js";
import { parseLdif } from "../parse/ldif.js";
import { parseMasterList } from "../parse/master-list.js";
import { generateIcaoPki } from "../testing/index.js";
import { migrateTrustStore, TRUST_STORE_SCHEMA_VERSION } from "./trust-store-migrations.js";
import { countTrustStore, readSyncLog, replaceTrustStore } from "./trust-store-repository.js";
import { buildTrustStoreRows, type TrustStoreContent, type TrustStoreRows } from "./trust-store-rows.js";

let db: TestDatabase;
let pool: pg.Pool;
let firstMigration: readonly number[] | undefined;
let full: TrustStoreRows;
let small: TrustStoreRows;
let content: TrustStoreContent;
const syncTime = new Date("2026-01-02T03:04:05.678Z");

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  pool = openPool(db.url, 6);
  firstMigration = unwrap(await migrateTrustStore(pool)).applied;

  const pki = generateIcaoPki({ seed: "repository", extraCountries: 1, rsaModulusLength: 1024 });
  const list = unwrap(parseMasterList(pki.masterList));
  const ldif = unwrap(parseLdif(pki.ldif.dscsAndCrls));
  const crls = pki.crls.map((c) => unwrap(parseCrl(c.der)));
  content = { cscas: list.cscas, dscs: ldif.dscs.map((d) => d.certificate), crls };
  full = buildTrustStoreRows(content, { updatedAt: syncTime });
  small = buildTrustStoreRows(
    { cscas: list.cscas.slice(0, 2), crls: crls.slice(0, 1) },
    { updatedAt: syncTime },
  );
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function ids(table: "root_ca" | "dsc" | "crls" | "revoked_certificate_list"): Promise<string[]> {
  const result = await pool.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`);
  return result.rows.map((r) => r.id);
}

const sortedIds = (rows: readonly { id: string }[]): string[] => rows.map((r) => r.id).sort();

async function expectContents(rows: TrustStoreRows): Promise<void> {
  expect(await ids("root_ca")).toEqual(sortedIds(rows.root_ca));
  expect(await ids("dsc")).toEqual(sortedIds(rows.dsc));
  expect(await ids("crls")).toEqual(sortedIds(rows.crls));
  expect(await ids("revoked_certificate_list")).toEqual(sortedIds(rows.revoked_certificate_list));
}

describe("migrateTrustStore", () => {
  it("creates the seed's four tables with its columns and types, and running it again applies nothing", async () => {
    // Every migration the library knows, in order (each issue appends its own).
    expect(firstMigration).toEqual(Array.from({ length: TRUST_STORE_SCHEMA_VERSION }, (_, i) => i + 1));
    expect(unwrap(await migrateTrustStore(pool)).applied).toEqual([]);
    const columns = await pool.query<{
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: string;
    }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_name IN ('root_ca', 'dsc', 'crls', 'revoked_certificate_list') ORDER BY table_name, ordinal_position`,
    );
    const describe = (table: string) =>
      columns.rows
        .filter((c) => c.table_name === table)
        .map((c) => `${c.column_name} ${c.data_type}${c.is_nullable === "NO" ? " not null" : ""}`);
    const certificateColumns = [
      "id uuid not null",
      "certificate bytea not null",
      "subject_key_identifier text",
      "authority_key_identifier text",
      "issuer text",
      "x_500_issuer bytea",
      "source text",
      "isn text",
      "updated_at timestamp without time zone",
    ];
    expect(describe("root_ca")).toEqual(certificateColumns);
    expect(describe("dsc")).toEqual(certificateColumns);
    expect(describe("crls")).toEqual([
      "id uuid not null",
      "crl bytea not null",
      "source text",
      "issuer text",
      "country text",
      "updated_at timestamp without time zone",
    ]);
    expect(describe("revoked_certificate_list")).toEqual([
      "id uuid not null",
      "source text",
      "country text",
      "isn text",
      "crl uuid",
      "revocation_reason text",
      "revocation_date timestamp without time zone",
      "updated_at timestamp without time zone",
    ]);
    const foreignKeys = await pool.query<{ definition: string }>(
      `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conrelid = 'revoked_certificate_list'::regclass AND contype = 'f'`,
    );
    expect(foreignKeys.rows.map((r) => r.definition)).toEqual(["FOREIGN KEY (crl) REFERENCES crls(id)"]);
  });

  it("creates icao_sync_provenance beside the four tables, with the spec's columns and types", async () => {
    const columns = await pool.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_name = 'icao_sync_provenance' ORDER BY ordinal_position`,
    );
    expect(columns.rows.map((c) => `${c.column_name} ${c.data_type}`)).toEqual([
      "table_name text",
      "row_id uuid",
      "source text",
      "collection text",
      "status text",
      "conformance_code text",
      "conformance_text text",
      "pkd_version integer",
      "detail text",
    ]);
  });
});

describe("replaceTrustStore", () => {
  it("stores every row and reads back the exact DER and column values", async () => {
    const outcome = unwrap(await replaceTrustStore(pool, full, { source: "generated" }));
    expect(outcome.status).toBe("replaced");
    expect(outcome.counts).toEqual({
      root_ca: full.root_ca.length,
      dsc: full.dsc.length,
      crls: full.crls.length,
      revoked_certificate_list: full.revoked_certificate_list.length,
    });
    await expectContents(full);

    const stored = await pool.query<{
      id: string;
      certificate: Buffer;
      subject_key_identifier: string | null;
      authority_key_identifier: string | null;
      issuer: string;
      x_500_issuer: Buffer;
      source: string;
      isn: string;
      updated_at: string;
    }>("SELECT *, updated_at::text AS updated_at FROM root_ca");
    for (const row of full.root_ca) {
      const back = stored.rows.find((r) => r.id === row.id);
      expect(back?.certificate.equals(Buffer.from(row.certificate))).toBe(true);
      expect(back?.x_500_issuer.equals(Buffer.from(row.x_500_issuer))).toBe(true);
      expect(back).toMatchObject({
        subject_key_identifier: row.subject_key_identifier,
        authority_key_identifier: row.authority_key_identifier,
        issuer: row.issuer,
        source: "icao-masterlist",
        isn: row.isn,
        updated_at: "2026-01-02 03:04:05.678",
      });
    }
    const crl = full.crls.find((c) => c.country === "NL");
    const revoked = await pool.query<{ isn: string; reason: string | null; date: string; country: string }>(
      `SELECT isn, revocation_reason AS reason, revocation_date::text AS date, country FROM revoked_certificate_list
       WHERE crl = $1 ORDER BY revocation_date DESC LIMIT 2`,
      [crl?.id],
    );
    expect(revoked.rows).toEqual([
      { isn: "-0x4e", reason: null, date: "2051-03-04 05:06:07", country: "NL" },
      { isn: "0x3e8", reason: "unspecified", date: "2025-05-31 12:00:00", country: "NL" },
    ]);
    const stillBytes = await pool.query<{ crl: Buffer }>("SELECT crl FROM crls WHERE id = $1", [crl?.id]);
    expect(stillBytes.rows[0]?.crl.equals(Buffer.from(crl?.crl ?? []))).toBe(true);
  });

  it("a second replace leaves only the second payload's rows", async () => {
    unwrap(await replaceTrustStore(pool, full));
    unwrap(await replaceTrustStore(pool, small));
    await expectContents(small);
  });

  it("keeps revoked entries tied to their CRL: a payload that breaks the foreign key is refused and the old rows stay", async () => {
    unwrap(await replaceTrustStore(pool, full));
    const joined = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM revoked_certificate_list r JOIN crls c ON c.id = r.crl AND c.country IS NOT DISTINCT FROM r.country",
    );
    expect(Number(joined.rows[0]?.n)).toBe(full.revoked_certificate_list.length);

    const orphan = {
      ...(full.revoked_certificate_list[0] as TrustStoreRows["revoked_certificate_list"][number]),
      id: randomUUID(),
      crl: randomUUID(),
    };
    const result = await replaceTrustStore(pool, { ...small, revoked_certificate_list: [orphan] });
    expect(!result.ok && result.error.code).toBe("DATABASE_ERROR");
    expect(!result.ok && result.error.details?.kind).toBe("foreign_key_violation");
    await expectContents(full);
  });

  it("a failure injected after the deletes (a trigger refusing the last inserts) rolls back and the old rows stay", async () => {
    unwrap(await replaceTrustStore(pool, full));
    await pool.query(`CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await pool.query(
      "CREATE TRIGGER refuse BEFORE INSERT ON revoked_certificate_list FOR EACH STATEMENT EXECUTE FUNCTION refuse_insert()",
    );
    try {
      const result = await replaceTrustStore(pool, small);
      expect(!result.ok && result.error.message).toBe(
        "Replacing the trust store failed and the previous contents were kept: injected failure",
      );
    } finally {
      await pool.query("DROP TRIGGER refuse ON revoked_certificate_list");
      await pool.query("DROP FUNCTION refuse_insert()");
    }
    await expectContents(full);
    const [last] = unwrap(await readSyncLog(pool, { limit: 1 }));
    expect(last).toMatchObject({ status: "failed", message: expect.stringContaining("injected failure") });
  });

  it("a duplicate id is a unique violation and changes nothing", async () => {
    unwrap(await replaceTrustStore(pool, full));
    const first = full.dsc[0] as TrustStoreRows["dsc"][number];
    const result = await replaceTrustStore(pool, { ...small, dsc: [first, { ...first }] });
    expect(!result.ok && result.error.details?.kind).toBe("unique_violation");
    await expectContents(full);
  });

  it("a row that cannot be encoded, chunks into its COPY, stops the replace: the old rows stay and the next replace works", async () => {
    unwrap(await replaceTrustStore(pool, full));
    const template = full.dsc[0] as TrustStoreRows["dsc"][number];
    // About 1.5 MB of DSC rows: the bad id comes after several chunks were already sent.
    const dsc = Array.from({ length: 1000 }, (_, i) => ({
      ...template,
      id: i === 900 ? "no-uuid" : randomUUID(),
    }));
    const result = await replaceTrustStore(pool, { ...small, dsc });
    expect(!result.ok && result.error.message).toContain('"no-uuid" is not a UUID');
    await expectContents(full);
    unwrap(await replaceTrustStore(pool, small));
    await expectContents(small);
  });

  it("a database error half-way through a large COPY (a duplicate id at row 900) rolls back and the old rows stay", async () => {
    unwrap(await replaceTrustStore(pool, full));
    const template = full.dsc[0] as TrustStoreRows["dsc"][number];
    const first = randomUUID();
    const dsc = Array.from({ length: 2000 }, (_, i) => ({
      ...template,
      id: i === 0 || i === 900 ? first : randomUUID(),
    }));
    const result = await replaceTrustStore(pool, { ...small, dsc });
    expect(!result.ok && result.error.details?.kind).toBe("unique_violation");
    await expectContents(full);
    unwrap(await replaceTrustStore(pool, small));
    await expectContents(small);
  });

  it("readers see the old rows until the replace commits, and a sync that cannot wait gives up", async () => {
    unwrap(await replaceTrustStore(pool, full));
    await withSlowCrlInsert(async () => {
      const replacing = replaceTrustStore(pool, small);
      await untilInsertingCrls();
      expect(unwrap(await countTrustStore(pool))).toEqual({
        root_ca: full.root_ca.length,
        dsc: full.dsc.length,
        crls: full.crls.length,
        revoked_certificate_list: full.revoked_certificate_list.length,
      });
      await expectContents(full);

      const impatient = await replaceTrustStore(pool, full, { lockTimeoutMs: 200 });
      expect(!impatient.ok && impatient.error.details?.kind).toBe("lock_wait_timeout");
      unwrap(await replacing);
    });
    await expectContents(small);
  });

  it("a connection killed mid-transaction loses nothing: the old rows stay and the pool keeps working", async () => {
    unwrap(await replaceTrustStore(pool, full));
    await withSlowCrlInsert(async () => {
      const replacing = replaceTrustStore(pool, small);
      await untilInsertingCrls();
      await pool.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'COPY crls %'",
      );
      const result = await replacing;
      expect(!result.ok && result.error.code).toBe("DATABASE_ERROR");
    });
    await expectContents(full);
    expect(unwrap(await replaceTrustStore(pool, small)).status).toBe("replaced");
    await expectContents(small);
  });

  it("two concurrent replaces never interleave: the later one waits and then replaces the earlier one whole", async () => {
    unwrap(await replaceTrustStore(pool, small));
    // The same content under fresh ids, so every table shows which payload it holds.
    const other = buildTrustStoreRows(content, { updatedAt: syncTime });
    await withSlowCrlInsert(async () => {
      const first = replaceTrustStore(pool, full);
      await untilInsertingCrls();
      const second = replaceTrustStore(pool, other);
      expect(unwrap(await first).status).toBe("replaced");
      expect(unwrap(await second).status).toBe("replaced");
    });
    await expectContents(other);
  });

  it("an empty payload clears every table", async () => {
    unwrap(await replaceTrustStore(pool, full));
    unwrap(await replaceTrustStore(pool, { root_ca: [], dsc: [], crls: [], revoked_certificate_list: [] }));
    expect(unwrap(await countTrustStore(pool))).toEqual({
      root_ca: 0,
      dsc: 0,
      crls: 0,
      revoked_certificate_list: 0,
    });
  });

  it("does not rewrite anything when the input digest equals the last successful sync's", async () => {
    const digest = randomUUID();
    expect(unwrap(await replaceTrustStore(pool, full, { inputDigest: digest })).status).toBe("replaced");
    const again = unwrap(await replaceTrustStore(pool, small, { inputDigest: digest }));
    expect(again.status).toBe("unchanged");
    await expectContents(full);
    const [latest, previous] = unwrap(await readSyncLog(pool, { limit: 2 }));
    expect(latest).toMatchObject({ status: "unchanged", inputDigest: digest, id: again.syncId });
    expect(previous).toMatchObject({ status: "replaced", inputDigest: digest });
    expect(unwrap(await replaceTrustStore(pool, small, { inputDigest: randomUUID() })).status).toBe(
      "replaced",
    );
    await expectContents(small);
  });

  it("records each run with its counts, source and duration", async () => {
    const outcome = unwrap(await replaceTrustStore(pool, full, { source: "file:///lists/ml.ml" }));
    const [entry] = unwrap(await readSyncLog(pool, { limit: 1 }));
    expect(entry).toMatchObject({
      id: outcome.syncId,
      status: "replaced",
      source: "file:///lists/ml.ml",
      counts: outcome.counts,
      message: null,
    });
    expect(entry?.finishedAt.getTime()).toBeGreaterThanOrEqual(entry?.startedAt.getTime() ?? Infinity);
  });

  it("inserts in bulk: 12,000 DSC rows in COPY batches", async () => {
    const template = full.dsc[0] as TrustStoreRows["dsc"][number];
    const many = Array.from({ length: 12_000 }, () => ({ ...template, id: randomUUID() }));
    const outcome = unwrap(
      await replaceTrustStore(
        pool,
        { root_ca: [], dsc: many, crls: [], revoked_certificate_list: [] },
        { batchSize: 5000 },
      ),
    );
    expect(outcome.counts.dsc).toBe(12_000);
    expect(unwrap(await countTrustStore(pool)).dsc).toBe(12_000);
  });
});

describe("without the migration", () => {
  it("a replace says to run the migration first", async () => {
    const empty = await createTestDatabase("postgres");
    const emptyPool = openPool(empty.url, 2);
    try {
      const result = await replaceTrustStore(emptyPool, small);
      expect(!result.ok && result.error.message).toMatch(
        /^The trust-store tables do not exist; run the migration \(certs-icao-sync migrate\) first/,
      );
    } finally {
      await emptyPool.end();
      await empty.drop();
    }
  });
});

/** Runs `body` while every INSERT into crls sleeps 1.5 s, so a replace can be caught inside its transaction. */
async function withSlowCrlInsert(body: () => Promise<void>): Promise<void> {
  await pool.query(`CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$`);
  await pool.query(
    "CREATE TRIGGER slow BEFORE INSERT ON crls FOR EACH STATEMENT EXECUTE FUNCTION slow_insert()",
  );
  try {
    await body();
  } finally {
    await pool.query("DROP TRIGGER slow ON crls");
    await pool.query("DROP FUNCTION slow_insert()");
  }
}

/** Waits until a replace is past its deletes, sleeping in the COPY into crls (COPY fires INSERT triggers). */
async function untilInsertingCrls(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const active = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'COPY crls %'",
    );
    if (Number(active.rows[0]?.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the replace never reached the COPY into crls");
}

/** A pool made the way applications make it, through @certs/db (which also handles idle-connection errors). */
function openPool(url: string, poolSize: number): pg.Pool {
  const spec = parseConnectionUrl(url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error(`not a PostgreSQL URL: ${url}`);
  const pool = createPgPool(spec.value, { poolSize });
  if (!pool.ok) throw new Error(pool.error.message);
  return pool.value;
}
