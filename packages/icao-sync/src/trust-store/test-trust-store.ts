import { createPgPool, parseConnectionUrl } from "@certs/db";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { migrateTrustStore } from "./trust-store-migrations.js";

/** A throwaway PostgreSQL database with the trust-store schema, and a pool on it, for the package's tests. */
export interface TestTrustStore {
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
}

/** The value of an ok result; throws with the error's message otherwise (test set-up only). */
export function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** Creates the database, opens a pool of `poolSize` on it and migrates the trust-store schema. */
export async function openTestTrustStore(poolSize = 2): Promise<TestTrustStore> {
  const db = await createTestDatabase("postgres");
  const spec = parseConnectionUrl(db.url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error("a PostgreSQL test database was expected");
  const pool = unwrap(createPgPool(spec.value, { poolSize }));
  try {
    unwrap(await migrateTrustStore(pool));
  } catch (error) {
    await closeTestTrustStore({ db, pool });
    throw error;
  }
  return { db, pool };
}

/** Ends the pool and drops the database, as far as they were opened. */
export async function closeTestTrustStore(store: Partial<TestTrustStore> | undefined): Promise<void> {
  await store?.pool?.end();
  await store?.db?.drop();
}
