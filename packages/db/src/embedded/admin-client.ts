import { err, ErrorCode, ok, type Result } from "@certs/result";
import pg from "pg";
import type { PostgresConnectionSpec } from "../connection-url.js";
import { databaseError } from "../db-error.js";

/** Waits until the server accepts a login; the error is the code to report (it exited, or time ran out). */
export async function waitUntilReady(
  hasExited: () => boolean,
  admin: PostgresConnectionSpec,
  timeoutMs: number,
): Promise<Result<void, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (hasExited()) return err(ErrorCode.DATABASE_ERROR);
    const client = clientFor(admin);
    try {
      await client.connect();
      await client.end();
      return ok(undefined);
    } catch {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) return err(ErrorCode.TIMEOUT);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Creates `database` unless it exists. */
export async function ensureDatabase(admin: PostgresConnectionSpec, database: string): Promise<Result<void>> {
  const client = clientFor(admin);
  try {
    await client.connect();
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    return ok(undefined);
  } catch (error) {
    return err(
      databaseError(error, `could not create the database '${database}' in the embedded PostgreSQL`),
    );
  } finally {
    await client.end().catch(() => {});
  }
}

function clientFor(spec: PostgresConnectionSpec): pg.Client {
  return new pg.Client({
    host: spec.host,
    port: spec.port,
    user: spec.user,
    password: spec.password ?? "",
    database: spec.database,
  });
}
