import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPgPool, type Logger, parseConnectionUrl } from "@certs/db";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLdif } from "../parse/ldif.js";
import {
  generateSigningKey,
  issueCertificate,
  issueCrl,
  type PkdEntry,
  reasonCodes,
  simpleName,
  writePkdLdif,
} from "../testing/index.js";
import { migrateTrustStore } from "../trust-store/trust-store-migrations.js";
import { readSyncLog } from "../trust-store/trust-store-repository.js";
import { buildTrustStoreRows } from "../trust-store/trust-store-rows.js";
import { syncTrustStore } from "./sync-trust-store.js";

// A generated PKD LDIF far larger than one batch: the sync must write it batch by batch while reading it.
const DSCS = 1500;
const CRLS = 12;
const ENTRIES_PER_CRL = 800;
const BATCH = 250;
// These tests are about streaming, not trust: the generated DSCs and CRLs are taken unverified.
const UNANCHORED = { verify: false } as const;

let db: TestDatabase;
let pool: pg.Pool;
let dir: string;
let bigLdif: string;
let brokenLdif: string;
let smallLdif: string;

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** Records what the sync logs, in order: the rows of each stored batch, and the info messages. */
function eventLogger(onBatch?: (rows: number) => void): Logger & { events: string[]; batches: number[] } {
  const events: string[] = [];
  const batches: number[] = [];
  return {
    events,
    batches,
    debug: (fields, message) => {
      if (message !== "batch stored") return;
      const rows = (fields as { rows: number }).rows;
      batches.push(rows);
      events.push("batch stored");
      onBatch?.(rows);
    },
    info: (_fields, message) => events.push(message ?? ""),
    warn: () => {},
    error: () => {},
  };
}

/** Every table's rows without their ids, sorted: what a sync extracted, comparable across syncs. */
async function contents(): Promise<Record<string, string[]>> {
  const queries = {
    root_ca: "SELECT encode(certificate, 'hex') || issuer || isn AS v FROM root_ca",
    dsc: `SELECT concat_ws('|', encode(certificate, 'hex'), subject_key_identifier, authority_key_identifier, issuer,
            encode(x_500_issuer, 'hex'), source, isn, updated_at) AS v FROM dsc`,
    crls: "SELECT concat_ws('|', encode(crl, 'hex'), source, issuer, country, updated_at) AS v FROM crls",
    revoked_certificate_list: `SELECT concat_ws('|', r.source, r.country, r.isn, encode(c.crl, 'hex'), r.revocation_reason,
            r.revocation_date, r.updated_at) AS v FROM revoked_certificate_list r JOIN crls c ON c.id = r.crl`,
  };
  const out: Record<string, string[]> = {};
  for (const [table, sql] of Object.entries(queries)) {
    const result = await pool.query<{ v: string }>(sql);
    out[table] = result.rows.map((r) => r.v).sort();
  }
  return out;
}

async function logLength(): Promise<number> {
  return unwrap(await readSyncLog(pool, { limit: 1000 })).length;
}

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  const spec = parseConnectionUrl(db.url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error("a PostgreSQL test database was expected");
  pool = unwrap(createPgPool(spec.value, { poolSize: 4 }));
  unwrap(await migrateTrustStore(pool));

  const now = Date.UTC(2026, 0, 1);
  const day = 86_400_000;
  const key = generateSigningKey("ecdsa-p256");
  const csca = issueCertificate({
    subject: simpleName(["C", "DE"], ["O", "bund"], ["CN", "csca-stream"]),
    serialNumber: 1n,
    notBefore: new Date(now - 1000 * day),
    notAfter: new Date(now + 1000 * day),
    key,
    subjectKeyIdentifier: Buffer.from("c5ca", "hex"),
  });
  const entries: PkdEntry[] = [];
  for (let i = 0; i < DSCS; i++) {
    const subject = simpleName(["C", "DE"], ["O", "bund"], ["CN", `DS ${i}`]);
    const serialNumber = BigInt(i * 7919 + 3) * (i % 3 === 0 ? -1n : 1n);
    const dsc = issueCertificate({
      subject,
      serialNumber,
      notBefore: new Date(now - 10 * day),
      notAfter: new Date(now + 100 * day),
      key,
      issuer: csca,
      subjectKeyIdentifier: Buffer.from(i.toString(16).padStart(8, "0"), "hex"),
      basicConstraints: "none",
    });
    entries.push({ kind: "dsc", country: "DE", subject, serialNumber: dsc.serialNumber, der: dsc.der });
  }
  for (let c = 0; c < CRLS; c++) {
    const revoked = Array.from({ length: ENTRIES_PER_CRL }, (_, i) => ({
      serialNumber: BigInt(c * 100_000 + i),
      revocationDate: new Date(now - (i + 1) * day - c * 1000),
      ...(i % 11 === 0 ? {} : { reasonCode: reasonCodes[i % reasonCodes.length] as number }),
    }));
    const crl = issueCrl(csca, revoked, {
      thisUpdate: new Date(now - c * day),
      nextUpdate: new Date(now + 30 * day),
    });
    entries.push({ kind: "crl", country: "DE", issuer: csca.subject, der: crl.der });
  }
  const big = writePkdLdif("001", entries);
  // The same file with an entry whose certificate is not DER, after most of the good entries.
  const cut = big.lastIndexOf("\ndn: ", Math.floor(big.length * 0.8));
  const broken = `${big.slice(0, cut)}\n\ndn: cn=broken,o=dsc,c=DE,dc=data,dc=download,dc=pkd,dc=icao,dc=int\nuserCertificate;binary:: MIIBAgMEBQ==\n${big.slice(cut)}`;
  dir = await mkdtemp(path.join(tmpdir(), "icao-streamed-sync-"));
  bigLdif = path.join(dir, "icaopkd-001-big.ldif");
  brokenLdif = path.join(dir, "icaopkd-001-broken.ldif");
  smallLdif = path.join(dir, "icaopkd-001-small.ldif");
  await writeFile(bigLdif, big);
  await writeFile(brokenLdif, broken);
  await writeFile(smallLdif, writePkdLdif("001", entries.slice(0, 20)));
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("a streamed LDIF sync", () => {
  it("writes a large LDIF in bounded batches while reading it, with exactly the values the whole-file parse gives", async () => {
    const logger = eventLogger();
    const syncTime = new Date("2026-05-06T07:08:09.123Z");
    const outcome = unwrap(
      await syncTrustStore(
        pool,
        { ldif: [bigLdif] },
        { ...UNANCHORED, batchSize: BATCH, logger, clock: () => syncTime },
      ),
    );
    const expected = { root_ca: 0, dsc: DSCS, crls: CRLS, revoked_certificate_list: CRLS * ENTRIES_PER_CRL };
    expect(outcome.status).toBe("replaced");
    expect(outcome.counts).toEqual(expected);

    // Bounded: no batch holds more than the batch size plus one CRL's entries, and there are many of them.
    const total = DSCS + CRLS * (1 + ENTRIES_PER_CRL);
    expect(logger.batches.reduce((a, b) => a + b, 0)).toBe(total);
    expect(Math.max(...logger.batches)).toBeLessThanOrEqual(BATCH + 1 + ENTRIES_PER_CRL);
    expect(logger.batches.length).toBeGreaterThanOrEqual(Math.floor(total / (BATCH + 1 + ENTRIES_PER_CRL)));
    // Streamed: batches were stored before the end of the file was read.
    expect(logger.events.indexOf("batch stored")).toBeLessThan(logger.events.indexOf("LDIF read"));

    // The rows are those the in-memory path (parseLdif, buildTrustStoreRows) builds from the same file.
    const stored = await contents();
    const parsed = unwrap(parseLdif(readFileSync(bigLdif)));
    const rows = buildTrustStoreRows(
      { dscs: parsed.dscs.map((d) => d.certificate), crls: parsed.crls.map((c) => c.crl) },
      { updatedAt: syncTime },
    );
    const time = (date: Date) =>
      date
        .toISOString()
        .replace("T", " ")
        .replace("Z", "")
        .replace(/\.?0+$/, "");
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
    expect(stored.dsc).toEqual(
      rows.dsc
        .map((r) =>
          [
            hex(r.certificate),
            r.subject_key_identifier,
            r.authority_key_identifier,
            r.issuer,
            hex(r.x_500_issuer),
            r.source,
            r.isn,
            time(r.updated_at),
          ].join("|"),
        )
        .sort(),
    );
    const crlDer = new Map(rows.crls.map((r) => [r.id, hex(r.crl)]));
    expect(stored.revoked_certificate_list).toEqual(
      rows.revoked_certificate_list
        .map((r) =>
          [
            r.source,
            r.country,
            r.isn,
            crlDer.get(r.crl),
            ...(r.revocation_reason === null ? [] : [r.revocation_reason]),
            time(r.revocation_date),
            time(r.updated_at),
          ].join("|"),
        )
        .sort(),
    );
    expect(stored.crls).toHaveLength(CRLS);
  });

  it("a broken entry in the middle rolls everything back: the previous trust store and sync log stay", async () => {
    unwrap(await syncTrustStore(pool, { ldif: [smallLdif] }, UNANCHORED));
    const before = await contents();
    const log = await logLength();
    const logger = eventLogger();
    const outcome = await syncTrustStore(
      pool,
      { ldif: [brokenLdif] },
      { ...UNANCHORED, batchSize: BATCH, logger },
    );
    expect(!outcome.ok && outcome.error.code).toBe("PARSE_ERROR");
    expect(!outcome.ok && outcome.error.message).toContain(
      "icaopkd-001-broken.ldif: The LDIF file cannot be parsed",
    );
    // The failure came after rows had been written inside the transaction.
    expect(logger.batches.length).toBeGreaterThan(3);
    expect(await contents()).toEqual(before);
    expect(await logLength()).toBe(log);
  });

  it("a sync cancelled while streaming rolls back and keeps the previous trust store", async () => {
    unwrap(await syncTrustStore(pool, { ldif: [smallLdif] }, UNANCHORED));
    const before = await contents();
    const controller = new AbortController();
    const logger = eventLogger(() => controller.abort());
    const outcome = await syncTrustStore(
      pool,
      { ldif: [bigLdif] },
      { ...UNANCHORED, batchSize: BATCH, logger, signal: controller.signal },
    );
    expect(!outcome.ok && outcome.error.code).toBe("CANCELLED");
    expect(logger.batches.length).toBeGreaterThan(0);
    expect(await contents()).toEqual(before);
  });

  it("a connection killed while streaming is a DATABASE_ERROR and keeps the previous trust store", async () => {
    unwrap(await syncTrustStore(pool, { ldif: [smallLdif] }, UNANCHORED));
    const before = await contents();
    const kill: { done?: Promise<unknown> } = {};
    const logger = eventLogger(() => {
      // The sync's connection is the one inside a transaction.
      kill.done ??= pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
      );
    });
    const outcome = await syncTrustStore(
      pool,
      { ldif: [bigLdif] },
      { ...UNANCHORED, batchSize: BATCH, logger, force: true },
    );
    await kill.done;
    expect(!outcome.ok && outcome.error.code).toBe("DATABASE_ERROR");
    expect(await contents()).toEqual(before);
    // The pool recovers.
    expect(
      unwrap(await syncTrustStore(pool, { ldif: [smallLdif] }, { ...UNANCHORED, force: true })).status,
    ).toBe("replaced");
  });

  it("an LDIF without a certificate is refused after streaming, rolled back, unless allowEmpty", async () => {
    const crlsOnly = path.join(dir, "crls-only.ldif");
    await writeFile(crlsOnly, writePkdLdif("001", []));
    const before = await contents();
    const log = await logLength();
    const refused = await syncTrustStore(pool, { ldif: [crlsOnly] }, UNANCHORED);
    expect(!refused.ok && refused.error.code).toBe("DATA_ERROR");
    expect(await contents()).toEqual(before);
    expect(await logLength()).toBe(log);

    const forced = unwrap(
      await syncTrustStore(pool, { ldif: [crlsOnly] }, { ...UNANCHORED, allowEmpty: true }),
    );
    expect(forced.counts).toEqual({ root_ca: 0, dsc: 0, crls: 0, revoked_certificate_list: 0 });
    expect((await contents()).dsc).toEqual([]);
  });

  it("an unchanged LDIF is neither parsed nor rewritten, and reports the stored counts", async () => {
    // The killed-connection test above left a forced sync (which records no digest) last: this one writes.
    const first = unwrap(await syncTrustStore(pool, { ldif: [smallLdif] }, UNANCHORED));
    expect(first.status).toBe("replaced");
    const logger = eventLogger();
    const again = unwrap(await syncTrustStore(pool, { ldif: [smallLdif] }, { ...UNANCHORED, logger }));
    expect(again.status).toBe("unchanged");
    expect(again.counts).toEqual(first.counts);
    expect(logger.events).not.toContain("LDIF read");
  });
});
