import { openDataSource, parseConnectionUrl } from "@certs/db";
import { Result } from "@certs/result";
import { createTestDatabase } from "@certs/testdb";
import type { DataSource } from "typeorm";
// The vitest `inject` keys are declared in the global setup module; pull its types in for the typecheck.
import type {} from "@certs/testdb/global-setup";

/** Opens a DataSource on a throwaway database URL the way an application would (via @certs/db). */
export async function openUrl(url: string, poolSize = 12): Promise<DataSource> {
  const spec = Result.getOrThrow(parseConnectionUrl(url));
  if (spec.kind === "embedded") throw new Error("tests use server databases");
  return Result.getOrThrow(await openDataSource(spec, { poolSize }));
}

/** A fresh throwaway database of `kind`, opened. */
export async function freshDatabase(
  kind: "mysql" | "postgres",
): Promise<{ url: string; dataSource: DataSource }> {
  const database = await createTestDatabase(kind);
  return { url: database.url, dataSource: await openUrl(database.url) };
}
