import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPgPool, parseConnectionUrl } from "@certs/db";
import { generateIcaoPki, type IcaoPki } from "@certs/icao-sync/testing";
import type pg from "pg";

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
