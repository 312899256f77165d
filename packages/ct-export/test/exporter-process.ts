// A real exporter process for the crash and concurrency tests: `node --import tsx exporter-process.ts '<json>'`.
// Prints "batch <n>" after each batch and "summary <json>" at the end; exit 0 when drained, 1 otherwise.
import { exportCerts } from "../src/index.js";
import { openCertsDataSource } from "./certs-database.js";

interface ChildSettings {
  readonly url: string;
  readonly outputDir: string;
  readonly batchSize: number;
  readonly sleepMs: number;
}

const settings = JSON.parse(process.argv[2] ?? "{}") as ChildSettings;
const dataSource = await openCertsDataSource(settings.url);
const abort = new AbortController();
process.on("SIGTERM", () => abort.abort());
const result = await exportCerts(dataSource, {
  outputDir: settings.outputDir,
  batchSize: settings.batchSize,
  sleepMs: settings.sleepMs,
  signal: abort.signal,
  onBatch: (progress) => process.stdout.write(`batch ${progress.batch}\n`),
});
await dataSource.destroy();
if (result.ok) {
  process.stdout.write(`summary ${JSON.stringify(result.value)}\n`);
  process.exitCode = result.value.skippedIds.length === 0 ? 0 : 1;
} else {
  process.stdout.write(
    `error ${JSON.stringify({ code: result.error.code, message: result.error.message })}\n`,
  );
  process.exitCode = 1;
}
