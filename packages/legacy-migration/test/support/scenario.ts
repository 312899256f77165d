import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Result } from "@certs/result";
import type { DataSource } from "typeorm";
import type { LegacyDateStorage, MappingFilePaths } from "../../src/index.js";
import {
  generateLegacyDataset,
  setUpMigrationDatabases,
  type LegacyDataset,
} from "../../src/testing/index.js";
import { freshDatabase } from "./databases.js";

/** Two seeded databases and the mapping files of a generated dataset. */
export interface Scenario {
  readonly dataset: LegacyDataset;
  readonly legacy: DataSource;
  readonly legacyUrl: string;
  readonly destination: DataSource;
  readonly destinationUrl: string;
  readonly mappingDir: string;
  readonly paths: MappingFilePaths;
  close(): Promise<void>;
}

export async function prepareScenario(options: {
  certificates?: number;
  seed?: string;
  dataset?: LegacyDataset;
  destination?: "mysql" | "postgres";
  /** The legacy database's kind (MariaDB unless told). */
  legacy?: "mysql" | "postgres";
  dateStorage?: LegacyDateStorage;
  premigratedShare?: number;
}): Promise<Scenario> {
  const dataset =
    options.dataset ??
    generateLegacyDataset({
      certificates: options.certificates ?? 100,
      seed: options.seed ?? "scenario",
      ...(options.premigratedShare === undefined ? {} : { premigratedShare: options.premigratedShare }),
    });
  const [legacy, destination] = await Promise.all([
    freshDatabase(options.legacy ?? "mysql"),
    freshDatabase(options.destination ?? "mysql"),
  ]);
  const mappingDir = await mkdtemp(path.join(tmpdir(), "legacy-migration-"));
  const paths = Result.getOrThrow(
    await setUpMigrationDatabases({
      legacy: legacy.dataSource,
      destination: destination.dataSource,
      dataset,
      mappingDirectory: mappingDir,
      dateStorage: options.dateStorage ?? "epoch",
    }),
  );
  return {
    dataset,
    legacy: legacy.dataSource,
    legacyUrl: legacy.url,
    destination: destination.dataSource,
    destinationUrl: destination.url,
    mappingDir,
    paths,
    async close() {
      await Promise.all([legacy.dataSource.destroy(), destination.dataSource.destroy()]);
    },
  };
}
