import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPgPool, type Logger, parseConnectionUrl } from "@certs/db";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import { ok } from "@certs/result";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSource } from "../download/load-source.js";
import { startTestServer } from "../download/http-test-server.js";
import { generateIcaoPki, type IcaoPki, type NameSpec } from "../testing/index.js";
import { migrateTrustStore } from "../trust-store/trust-store-migrations.js";
import { readSyncLog } from "../trust-store/trust-store-repository.js";
import type { SyncInput } from "./sync-input.js";
import { syncTrustStore } from "./sync-trust-store.js";

let db: TestDatabase;
let pool: pg.Pool;
let dir: string;
let pki: IcaoPki;
let tampered: IcaoPki;
let files: Record<
  "masterList" | "anchor" | "dscs" | "masterLists" | "nonConformant" | "tampered" | "truncated",
  string
>;
let crlFiles: string[];
let full: SyncInput;

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function commonName(name: NameSpec): string {
  const cn = name.flat().find((attribute) => attribute.type === "CN");
  if (cn === undefined) throw new Error("the generated name has no CN");
  return cn.value;
}

/** Every id in the four tables, to show that a refused sync changed nothing. */
async function snapshot(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ["root_ca", "dsc", "crls", "revoked_certificate_list"]) {
    const result = await pool.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`);
    out[table] = result.rows.map((r) => r.id);
  }
  return out;
}

async function tableCount(table: string): Promise<number> {
  const result = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(result.rows[0]?.n);
}

async function logLength(): Promise<number> {
  return unwrap(await readSyncLog(pool, { limit: 1000 })).length;
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => {};
  return {
    warnings,
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (_obj, msg) => warnings.push(msg ?? ""),
  };
}

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  const spec = parseConnectionUrl(db.url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error("a PostgreSQL test database was expected");
  pool = unwrap(createPgPool(spec.value, { poolSize: 4 }));
  unwrap(await migrateTrustStore(pool));

  pki = generateIcaoPki({ seed: "sync-pipeline", extraCountries: 1, rsaModulusLength: 1024 });
  tampered = generateIcaoPki({ seed: "sync-tampered", rsaModulusLength: 1024, tamper: "signature" });
  dir = await mkdtemp(path.join(tmpdir(), "icao-sync-pipeline-"));
  const write = async (name: string, content: Uint8Array | string) => {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  };
  files = {
    masterList: await write("list.ml", pki.masterList),
    anchor: await write("anchor.cer", pki.anchor.der),
    dscs: await write("icaopkd-001.ldif", pki.ldif.dscsAndCrls),
    masterLists: await write("icaopkd-002.ldif", pki.ldif.masterLists),
    nonConformant: await write("icaopkd-003.ldif", pki.ldif.nonConformant),
    tampered: await write("tampered.ml", tampered.masterList),
    truncated: await write("truncated.ml", pki.masterList.subarray(0, pki.masterList.length - 100)),
  };
  crlFiles = await Promise.all(pki.crls.map((crl, i) => write(`country-${i}.crl`, crl.der)));
  full = {
    masterLists: [files.masterList],
    ldif: [files.dscs, files.masterLists, files.nonConformant],
    crls: crlFiles,
    trustAnchors: [files.anchor],
  };
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("syncTrustStore", () => {
  it("stores every CSCA, DSC, CRL and revoked entry of the sources, deduplicated across inputs", async () => {
    const syncTime = new Date("2026-03-04T05:06:07.000Z");
    const outcome = unwrap(await syncTrustStore(pool, full, { clock: () => syncTime }));

    const revokedEntries = pki.crls.reduce((sum, crl) => sum + crl.entries.length, 0);
    // The nested NL list repeats NL's CSCAs, collection 003 repeats Ukraine's DSCs, the CRL files repeat 001's CRLs.
    const expected = {
      root_ca: pki.cscas.length,
      dsc: pki.dscs.length,
      crls: pki.crls.length,
      revoked_certificate_list: revokedEntries,
    };
    expect(outcome.status).toBe("replaced");
    expect(outcome.skipped).toBe(false);
    expect(outcome.counts).toEqual(expected);
    for (const [table, count] of Object.entries(expected)) expect(await tableCount(table)).toBe(count);

    const stored = await pool.query<{ certificate: Buffer; updated_at: string }>(
      `SELECT certificate, to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS') AS updated_at FROM root_ca`,
    );
    expect(stored.rows.map((r) => r.certificate.toString("hex")).sort()).toEqual(
      pki.cscas.map((c) => hex(c.der)).sort(),
    );
    expect(new Set(stored.rows.map((r) => r.updated_at))).toEqual(new Set(["2026-03-04T05:06:07"]));
    const dscs = await pool.query<{ certificate: Buffer }>("SELECT certificate FROM dsc");
    expect(dscs.rows.map((r) => r.certificate.toString("hex")).sort()).toEqual(
      pki.dscs.map((c) => hex(c.der)).sort(),
    );

    const [main, nested] = outcome.verification.lists;
    expect(outcome.verification.enabled).toBe(true);
    expect(main).toMatchObject({
      source: files.masterList,
      structure: "valid",
      signature: "verified",
      chain: "verified",
      certificates: pki.cscas.length,
      duplicates: 1,
    });
    expect(main?.signers).toHaveLength(1);
    expect(main?.signers[0]?.subject).toContain(`CN=${commonName(pki.signer.subject)}`);
    expect(main?.signers[0]?.signingTime).toBe(pki.signingTime.toISOString());
    expect(main?.signers[0]?.chainPath.at(-1)).toContain(`CN=${commonName(pki.anchor.subject)}`);
    expect(nested?.source).toMatch(/icaopkd-002\.ldif \(.*c=NL/i);
    // The nested NL list's signer chains to the NL CSCA that the anchored list made trusted.
    expect(nested).toMatchObject({ signature: "verified", chain: "verified", trust: "verified" });
    expect(nested?.signers[0]?.chainPath.at(-1)).toContain("CN=CSCA NL");
    expect(outcome.sources.map((s) => s.kind)).toEqual([
      "trust_anchor",
      "master_list",
      "ldif",
      "ldif",
      "ldif",
      ...crlFiles.map(() => "crl"),
    ]);
    expect(outcome.timings.totalMs).toBeGreaterThan(0);
    expect(outcome.syncId).toBe(unwrap(await readSyncLog(pool, { limit: 1 }))[0]?.id);
  });

  it("does not rewrite the tables when the input is unchanged, whatever the order of the sources", async () => {
    const before = await snapshot();
    const log = await logLength();
    const outcome = unwrap(
      await syncTrustStore(pool, {
        ...full,
        ldif: [...(full.ldif ?? [])].reverse(),
        crls: [...crlFiles].reverse(),
      }),
    );
    expect(outcome.status).toBe("unchanged");
    expect(outcome.skipped).toBe(true);
    expect(await snapshot()).toEqual(before);
    const [latest] = unwrap(await readSyncLog(pool, { limit: 1 }));
    expect(latest?.status).toBe("unchanged");
    expect(await logLength()).toBe(log + 1);
  });

  it("refuses a master list whose signature does not verify and leaves tables and sync log alone", async () => {
    const before = await snapshot();
    const log = await logLength();
    const outcome = await syncTrustStore(pool, {
      masterLists: [files.tampered],
      trustAnchors: [files.anchor],
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe("SIGNATURE_ERROR");
    expect(outcome.error.message).toMatch(/^.*tampered\.ml: The master list signature is not valid: /);
    expect(await snapshot()).toEqual(before);
    expect(await logLength()).toBe(log);
  });

  it("refuses a truncated master list with a PARSE_ERROR and leaves tables and sync log alone", async () => {
    const before = await snapshot();
    const log = await logLength();
    const outcome = await syncTrustStore(pool, {
      masterLists: [files.truncated],
      trustAnchors: [files.anchor],
    });
    expect(!outcome.ok && outcome.error.code).toBe("PARSE_ERROR");
    expect(!outcome.ok && outcome.error.message).toContain("truncated.ml: The master list cannot be parsed");
    expect(await snapshot()).toEqual(before);
    expect(await logLength()).toBe(log);
  });

  it("refuses a signer that does not chain to the trust anchor given", async () => {
    const wrongAnchor = path.join(dir, "wrong-anchor.cer");
    await writeFile(wrongAnchor, tampered.anchor.der);
    const before = await snapshot();
    const outcome = await syncTrustStore(pool, {
      masterLists: [files.masterList],
      trustAnchors: [wrongAnchor],
    });
    expect(!outcome.ok && outcome.error.code).toBe("SIGNATURE_ERROR");
    expect(await snapshot()).toEqual(before);
  });

  it("imports a list whose signature does not verify when verification is off, and warns", async () => {
    const logger = recordingLogger();
    const outcome = unwrap(
      await syncTrustStore(pool, { masterLists: [files.tampered] }, { verify: false, logger }),
    );
    expect(outcome.status).toBe("replaced");
    expect(await tableCount("root_ca")).toBe(tampered.cscas.length);
    expect(await tableCount("dsc")).toBe(0);
    expect(outcome.verification).toMatchObject({ enabled: false });
    expect(outcome.verification.lists[0]).toMatchObject({ signature: "not_checked", chain: "not_checked" });
    expect(logger.warnings.join("\n")).toMatch(/verification is off/);
  });

  it("refuses to sync without a trust anchor, and writes nothing", async () => {
    const before = await snapshot();
    const log = await logLength();
    for (const dryRun of [false, true]) {
      const outcome = await syncTrustStore(pool, { masterLists: [files.masterList] }, { dryRun });
      expect(!outcome.ok && outcome.error.code).toBe("SIGNATURE_ERROR");
      expect(!outcome.ok && outcome.error.message).toMatch(/^No trust anchor configured: /);
    }
    expect(await snapshot()).toEqual(before);
    expect(await logLength()).toBe(log);
  });

  it("with allowUnanchored says the chain was not checked", async () => {
    const logger = recordingLogger();
    const outcome = unwrap(
      await syncTrustStore(
        pool,
        { masterLists: [files.masterList] },
        { dryRun: true, allowUnanchored: true, logger },
      ),
    );
    expect(outcome.verification.lists[0]).toMatchObject({ signature: "verified", chain: "not_checked" });
    expect(outcome.verification.lists[0]?.signers[0]?.chainNote).toBeTruthy();
    expect(logger.warnings.join("\n")).toMatch(/no trust anchor given/);
  });

  it("refuses sources that yield no certificate unless allowEmpty is set", async () => {
    const before = await snapshot();
    const log = await logLength();
    const refused = await syncTrustStore(pool, { crls: crlFiles }, { verify: false });
    expect(!refused.ok && refused.error.code).toBe("DATA_ERROR");
    expect(!refused.ok && refused.error.message).toBe(
      "The sources yielded no certificates; refusing to empty the trust store (allowEmpty to force).",
    );
    expect(await snapshot()).toEqual(before);
    expect(await logLength()).toBe(log);

    const forced = unwrap(
      await syncTrustStore(pool, { crls: crlFiles }, { allowEmpty: true, verify: false }),
    );
    expect(forced.status).toBe("replaced");
    expect(await tableCount("root_ca")).toBe(0);
    expect(await tableCount("dsc")).toBe(0);
    expect(await tableCount("crls")).toBe(pki.crls.length);
  });

  it("a dry run parses and verifies everything but writes nothing, with or without a pool", async () => {
    const before = await snapshot();
    const log = await logLength();
    const withPool = unwrap(await syncTrustStore(pool, full, { dryRun: true }));
    const withoutPool = unwrap(await syncTrustStore(undefined, full, { dryRun: true }));
    for (const outcome of [withPool, withoutPool]) {
      expect(outcome.status).toBe("dry_run");
      expect(outcome.syncId).toBeNull();
      expect(outcome.counts.root_ca).toBe(pki.cscas.length);
      expect(outcome.verification.lists[0]?.chain).toBe("verified");
    }
    expect(withPool.inputDigest).toBe(withoutPool.inputDigest);
    expect(await snapshot()).toEqual(before);
    expect(await logLength()).toBe(log);
  });

  it("a cancelled sync stops before writing", async () => {
    const before = await snapshot();
    const controller = new AbortController();
    controller.abort();
    const outcome = await syncTrustStore(pool, full, { signal: controller.signal });
    expect(!outcome.ok && outcome.error.code).toBe("CANCELLED");
    expect(await snapshot()).toEqual(before);
  });

  it("names a source that cannot be read", async () => {
    const missing = path.join(dir, "no-such.ml");
    const outcome = await syncTrustStore(pool, { masterLists: [missing], trustAnchors: [files.anchor] });
    expect(!outcome.ok && outcome.error.code).toBe("FILE_ERROR");
    expect(!outcome.ok && outcome.error.message).toContain(missing);
  });

  it("downloads URL sources with the download options given, and reports them without credentials", async () => {
    const server = await startTestServer({
      "/list.ml": (request, response) => {
        if (request.headers.authorization !== "Bearer pkd-token-1") {
          response.writeHead(401).end();
          return;
        }
        response.writeHead(200, { "content-type": "application/octet-stream" }).end(pki.masterList);
      },
    });
    try {
      const location = server.url("/list.ml?api_key=s3cret-key");
      const outcome = unwrap(
        await syncTrustStore(
          pool,
          { masterLists: [location], trustAnchors: [files.anchor] },
          { download: { bearerToken: "pkd-token-1" }, force: true },
        ),
      );
      expect(outcome.status).toBe("replaced");
      expect(await tableCount("root_ca")).toBe(pki.cscas.length);
      expect(outcome.verification.lists[0]).toMatchObject({ signature: "verified", chain: "verified" });
      expect(JSON.stringify(outcome)).not.toContain("s3cret-key");
      expect(server.requestsTo("/list.ml")).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("a download that fails writes nothing", async () => {
    const server = await startTestServer({});
    try {
      const before = await snapshot();
      const log = await logLength();
      const outcome = await syncTrustStore(pool, {
        masterLists: [server.url("/gone.ml")],
        trustAnchors: [files.anchor],
      });
      expect(!outcome.ok && outcome.error.code).toBe("DOWNLOAD_ERROR");
      expect(await snapshot()).toEqual(before);
      expect(await logLength()).toBe(log);
    } finally {
      await server.close();
    }
  });

  it("reads sources through the loader it is given", async () => {
    const requested: string[] = [];
    const outcome = unwrap(
      await syncTrustStore(
        undefined,
        { masterLists: ["pkd:list"], trustAnchors: [files.anchor] },
        {
          dryRun: true,
          loadSource: async (location, options) => {
            requested.push(location);
            return location === "pkd:list"
              ? ok({ bytes: pki.masterList, url: location })
              : loadSource(location, options);
          },
        },
      ),
    );
    expect(requested).toEqual([files.anchor, "pkd:list"]);
    expect(outcome.counts.root_ca).toBe(pki.cscas.length);
  });

  it("takes sources given as bytes", async () => {
    const outcome = unwrap(
      await syncTrustStore(
        undefined,
        {
          masterLists: [{ name: "in-memory list", bytes: pki.masterList }],
          trustAnchors: [{ name: "in-memory anchor", bytes: pki.anchor.der }],
        },
        { dryRun: true },
      ),
    );
    expect(outcome.sources).toEqual([
      expect.objectContaining({ kind: "trust_anchor", name: "in-memory anchor" }),
      expect.objectContaining({ kind: "master_list", name: "in-memory list", bytes: pki.masterList.length }),
    ]);
  });
});
