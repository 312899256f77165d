import type { Benchmark } from "./benchmark.js";
import { ctExportBenchmark } from "./ct-export/ct-export-benchmark.js";
import { icaoSyncCheckBenchmark } from "./icao-sync/check-benchmark.js";
import { icaoSyncBenchmark } from "./icao-sync/icao-sync-benchmark.js";
import { legacyMigrationBenchmark } from "./legacy-migration/legacy-migration-benchmark.js";

/**
 * Every benchmark `pnpm bench` runs, in order. To add one: write a module exporting a `Benchmark`
 * (see README.md) and list it here.
 */
export const BENCHMARKS: readonly Benchmark[] = [
  ctExportBenchmark,
  legacyMigrationBenchmark,
  icaoSyncBenchmark,
  icaoSyncCheckBenchmark,
];
