// What the sync and COPY cases share: the sources they read and a pool on the database the harness made.
import { createPgPool, parseConnectionUrl } from "@certs/db";
import { migrateTrustStore } from "@certs/icao-sync";
import type pg from "pg";

/** The files a case reads: the same for the sync and for its COPY baseline. */
export interface CaseSources {
  readonly masterLists: readonly string[];
  readonly ldif: readonly string[];
  readonly trustAnchors: readonly string[];
}

/** A pool on `url` with the trust-store schema migrated (not timed by any case). */
export async function migratedPool(url: string): Promise<pg.Pool> {
  const spec = parseConnectionUrl(url);
  if (!spec.ok) throw new Error(spec.error.message);
  if (spec.value.kind !== "postgres") throw new Error("the icao-sync benchmark needs a postgres:// URL");
  const pool = createPgPool(spec.value, { poolSize: 2 });
  if (!pool.ok) throw new Error(pool.error.message);
  const migrated = await migrateTrustStore(pool.value);
  if (!migrated.ok) throw new Error(migrated.error.message);
  return pool.value;
}

/** Rows per table as the database holds them (checked after the timed section). */
export async function tableCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ["root_ca", "dsc", "crls", "revoked_certificate_list"] as const) {
    const result = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    counts[table] = Number(result.rows[0]?.n ?? 0);
  }
  return counts;
}
