import { createPgPool, parseConnectionUrl } from "@certs/db";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../download/http-test-server.js";
import { generateIcaoPki, type IcaoPki } from "../testing/index.js";
import { migrateTrustStore } from "../trust-store/trust-store-migrations.js";
import { readSyncLog } from "../trust-store/trust-store-repository.js";
import { syncTrustStore } from "./sync-trust-store.js";
import type { SyncInput } from "./sync-input.js";

const ETAG = '"list-1"';
const LAST_MODIFIED = "Mon, 01 Dec 2025 08:00:00 GMT";

let db: TestDatabase;
let pool: pg.Pool;
let pki: IcaoPki;
let server: TestServer;

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  const spec = parseConnectionUrl(db.url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error("a PostgreSQL test database was expected");
  pool = unwrap(createPgPool(spec.value, { poolSize: 2 }));
  unwrap(await migrateTrustStore(pool));
  pki = generateIcaoPki({ seed: "conditional", extraCountries: 1, rsaModulusLength: 1024 });
  server = await startTestServer({
    "/ml.bin": (req, res) => {
      if (req.headers["if-none-match"] === ETAG) {
        res.writeHead(304, { etag: ETAG }).end();
        return;
      }
      res.writeHead(200, { etag: ETAG, "last-modified": LAST_MODIFIED }).end(pki.masterList);
    },
  });
});

afterAll(async () => {
  await server?.close();
  await pool?.end();
  await db?.drop();
});

function input(): SyncInput {
  return { masterLists: [server.url("/ml.bin")], trustAnchors: [{ name: "anchor", bytes: pki.anchor.der }] };
}

async function storeIds(): Promise<string[]> {
  const result = await pool.query<{ id: string; updated_at: Date }>(
    "SELECT id, updated_at FROM root_ca ORDER BY id",
  );
  return result.rows.map((r) => `${r.id} ${r.updated_at.toISOString()}`);
}

describe("syncTrustStore with conditional downloads", () => {
  it("an unchanged list answers 304: the sync is unchanged (304), parses nothing and writes nothing", async () => {
    const first = unwrap(await syncTrustStore(pool, input()));
    expect(first).toMatchObject({ status: "replaced", notModified: false });
    expect(first.downloads).toEqual([
      {
        name: server.url("/ml.bin"),
        notModified: false,
        bytes: pki.masterList.byteLength,
        etag: ETAG,
        lastModified: LAST_MODIFIED,
      },
    ]);
    const rows = await storeIds();
    const log = unwrap(await readSyncLog(pool, { limit: 100 })).length;

    const second = unwrap(
      await syncTrustStore(pool, input(), {
        conditional: { inputDigest: first.inputDigest, downloads: first.downloads },
      }),
    );
    expect(second).toMatchObject({
      status: "unchanged",
      skipped: true,
      notModified: true,
      syncId: first.syncId,
      counts: first.counts,
      downloads: [{ name: server.url("/ml.bin"), notModified: true, bytes: 0 }],
    });
    const conditional = server.requestsTo("/ml.bin").at(-1);
    expect(conditional?.headers["if-none-match"]).toBe(ETAG);
    expect(conditional?.headers["if-modified-since"]).toBe(LAST_MODIFIED);
    expect(await storeIds()).toEqual(rows);
    expect(unwrap(await readSyncLog(pool, { limit: 100 }))).toHaveLength(log);
  });

  it("a 304 does not count once another sync replaced the store: the list is downloaded in full and stored", async () => {
    const first = unwrap(await syncTrustStore(pool, input(), { force: true }));
    // Another sync (another `source` label, so another digest) replaces the store meanwhile.
    unwrap(await syncTrustStore(pool, input(), { sourceLabel: "elsewhere" }));
    const requests = server.requestsTo("/ml.bin").length;
    const third = unwrap(
      await syncTrustStore(pool, input(), {
        conditional: { inputDigest: first.inputDigest, downloads: first.downloads },
      }),
    );
    expect(third).toMatchObject({ status: "replaced", notModified: false });
    const [asked, full] = server.requestsTo("/ml.bin").slice(requests);
    expect(asked?.headers["if-none-match"]).toBe(ETAG);
    expect(full?.headers["if-none-match"]).toBeUndefined();
    const sources = await pool.query<{ source: string }>("SELECT DISTINCT source FROM root_ca");
    expect(sources.rows).toEqual([{ source: "icao-masterlist" }]);
  });
});
