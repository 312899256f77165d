import { mkdir } from "node:fs/promises";
import { databaseError, openDataSource, type Logger, type ServerConnectionSpec } from "@certs/db";
import { generateLegacyDataset, setUpMigrationDatabases } from "@certs/legacy-migration/testing";
import { err, ok, type Result } from "@certs/result";
import type { DataSource } from "typeorm";

/** The two databases a `--demo N` run migrates between, named after the given one, on its server. */
export function demoDatabaseNames(server: ServerConnectionSpec): { legacy: string; destination: string } {
  return { legacy: `${server.database}_demo_legacy`, destination: `${server.database}_demo_destination` };
}

async function recreate(admin: DataSource, kind: ServerConnectionSpec["kind"], name: string): Promise<void> {
  if (kind === "mysql") {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } else {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  }
}

/**
 * `--demo N`: (re)creates a legacy and a destination database next to the given one, fills them with
 * N generated legacy certificates and their prerequisites, and writes the mapping files. Returns the two
 * databases' connection specs. Each demo run starts from scratch, so it can be repeated.
 */
export async function prepareDemoDatabases(
  server: ServerConnectionSpec,
  certificates: number,
  mappingDirectory: string,
  logger: Logger,
): Promise<Result<{ legacy: ServerConnectionSpec; destination: ServerConnectionSpec }>> {
  const names = demoDatabaseNames(server);
  const admin = await openDataSource(server, { poolSize: 1, logger });
  if (!admin.ok) return admin;
  try {
    await recreate(admin.value, server.kind, names.legacy);
    await recreate(admin.value, server.kind, names.destination);
  } catch (error) {
    return err(databaseError(error, "could not create the demo databases"));
  } finally {
    await admin.value.destroy().catch(() => {});
  }
  const legacySpec = { ...server, database: names.legacy };
  const destinationSpec = { ...server, database: names.destination };
  const legacy = await openDataSource(legacySpec, { poolSize: 4, logger });
  if (!legacy.ok) return legacy;
  const destination = await openDataSource(destinationSpec, { poolSize: 4, logger });
  if (!destination.ok) {
    await legacy.value.destroy();
    return destination;
  }
  try {
    await mkdir(mappingDirectory, { recursive: true });
    const dataset = generateLegacyDataset({ certificates, seed: "certs-legacy-migrate-demo" });
    const seeded = await setUpMigrationDatabases({
      legacy: legacy.value,
      destination: destination.value,
      dataset,
      mappingDirectory,
    });
    if (!seeded.ok) return seeded;
    logger.info({ certificates, databases: names, mappings: mappingDirectory }, "demo databases generated");
    return ok({ legacy: legacySpec, destination: destinationSpec });
  } finally {
    await Promise.all([legacy.value.destroy(), destination.value.destroy()]).catch(() => {});
  }
}
