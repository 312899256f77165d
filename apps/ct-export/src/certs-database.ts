import { openAppDatabase, type JobContext } from "@certs/app-kit";
import { openDataSource } from "@certs/db";
import { certEntity } from "@certs/ct-export";
import { ok, type AppError, type Result } from "@certs/result";
import type { DataSource } from "typeorm";

/**
 * Opens the database `--db` names (or the embedded one) with the `certs` entity for `table`; both are closed
 * when the job ends, the DataSource first. `description` names the database for log lines (no password).
 */
export async function openCertsDatabase(
  options: {
    readonly db?: string | undefined;
    readonly dataDir?: string | undefined;
    readonly table: string;
  },
  poolSize: number,
  { logger, defer }: Pick<JobContext, "logger" | "defer">,
): Promise<Result<{ readonly dataSource: DataSource; readonly description: string }, AppError>> {
  const database = await openAppDatabase(options.db, { dataDir: options.dataDir, logger });
  if (!database.ok) return database;
  defer(() => database.value.close());
  const dataSource = await openDataSource(database.value.spec, {
    entities: [certEntity(options.table)],
    poolSize,
    logger,
  });
  if (!dataSource.ok) return dataSource;
  defer(() => dataSource.value.destroy());
  return ok({ dataSource: dataSource.value, description: database.value.description });
}
