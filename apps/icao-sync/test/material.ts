import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPgPool, parseConnectionUrl } from "@certs/db";
import {
  type CountryPki,
  type GeneratedCertificate,
  generateIcaoPki,
  type IcaoPki,
  issueDocumentSigner,
} from "@certs/icao-sync/testing";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";

/** Generated master lists, LDIF, CRLs and anchors written to a temp directory, and what they hold. */
export interface Material {
  readonly dir: string;
  readonly pki: IcaoPki;
  readonly masterList: string;
  readonly anchor: string;
  readonly ldif: string;
  readonly crls: readonly string[];
  /** A master list whose signature bit was flipped. */
  readonly tampered: string;
  readonly tamperedCscas: number;
  readonly revokedEntries: number;
}

/** Writes the material for a test file (small RSA keys keep generation quick). */
export async function writeMaterial(seed: string): Promise<Material> {
  const pki = generateIcaoPki({ seed, rsaModulusLength: 1024 });
  const bad = generateIcaoPki({ seed: `${seed}-tampered`, rsaModulusLength: 1024, tamper: "signature" });
  const dir = await mkdtemp(path.join(tmpdir(), "icao-cli-"));
  const write = async (name: string, content: Uint8Array | string) => {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  };
  return {
    dir,
    pki,
    masterList: await write("list.ml", pki.masterList),
    anchor: await write("anchor.cer", pki.anchor.der),
    ldif: await write("icaopkd-001.ldif", pki.ldif.dscsAndCrls),
    crls: await Promise.all(pki.crls.map((crl, i) => write(`crl-${i}.crl`, crl.der))),
    tampered: await write("tampered.ml", bad.masterList),
    tamperedCscas: bad.cscas.length,
    revokedEntries: pki.crls.reduce((sum, crl) => sum + crl.entries.length, 0),
  };
}

/** `--db <url> --source <source> --trust-anchor <anchor>`: a sync of one anchored list (default the material's). */
export function listFlags(dbUrl: string, material: Material, source: string = material.masterList): string[] {
  return ["--db", dbUrl, "--source", source, "--trust-anchor", material.anchor];
}

/** The generated country whose CSCA writes its C in lowercase: Albania, `CN=CSCA ALB,...,C=al`. */
export function albaniaOf(material: Material): CountryPki {
  return material.pki.countries.find((c) => c.quirk === "lowercase-country") as CountryPki;
}

/** A DSC for AL from Albania's first CSCA, valid from a day before the list's signing time for a year. */
export function issueAlbanianDsc(material: Material, serialNumber: bigint): GeneratedCertificate {
  const t = material.pki.signingTime.getTime();
  return issueDocumentSigner({
    csca: albaniaOf(material).cscas[0] as GeneratedCertificate,
    country: "AL",
    serialNumber,
    notBefore: new Date(t - 86_400_000),
    notAfter: new Date(t + 365 * 86_400_000),
  });
}

/** A fresh PostgreSQL test database, a pool on it, and the material of one test file. */
export interface TestStore {
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
  readonly material: Material;
}

/**
 * Opens a test store before the calling file's tests and closes it after them; `receive` takes it, e.g. into
 * the file's own `db`, `pool` and `material`. Call it before the file's other hooks: its beforeAll then runs
 * first, and its afterAll last (vitest runs after-hooks in reverse), once the file has stopped what it started.
 */
export function useTestStore(seed: string, receive: (store: TestStore) => void): void {
  const opened: { db?: TestDatabase; pool?: pg.Pool } = {};
  beforeAll(async () => {
    const db = await createTestDatabase("postgres");
    opened.db = db;
    opened.pool = openPool(db.url);
    receive({ db, pool: opened.pool, material: await writeMaterial(seed) });
  });
  afterAll(async () => {
    await opened.pool?.end();
    await opened.db?.drop();
  });
}

/** A pool on a test database URL. */
export function openPool(url: string): pg.Pool {
  const spec = parseConnectionUrl(url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error(`not a PostgreSQL URL: ${url}`);
  const pool = createPgPool(spec.value, { poolSize: 3 });
  if (!pool.ok) throw new Error(pool.error.message);
  return pool.value;
}

/** Rows per trust-store table. */
export async function tableCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const result = await pool.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM root_ca) AS root_ca, (SELECT count(*) FROM dsc) AS dsc,
            (SELECT count(*) FROM crls) AS crls, (SELECT count(*) FROM revoked_certificate_list) AS revoked_certificate_list`,
  );
  return Object.fromEntries(Object.entries(result.rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
}

/** Every id in the four tables, to show a refused run changed nothing. */
export async function tableIds(pool: pg.Pool): Promise<string[]> {
  const result = await pool.query<{ id: string }>(
    `SELECT id::text FROM root_ca UNION ALL SELECT id::text FROM dsc UNION ALL SELECT id::text FROM crls
     UNION ALL SELECT id::text FROM revoked_certificate_list ORDER BY 1`,
  );
  return result.rows.map((r) => r.id);
}
