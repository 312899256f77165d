// A migration in a process of its own, for the tests that kill it or give it another time zone.
// Run with: node --import tsx test/child/runMigration.ts '<json options>' (TSX_TSCONFIG_PATH=test/child/tsconfig.json)
import { openDataSource, parseConnectionUrl } from "@certs/db";
import { Result } from "@certs/result";
import { mappingFilePaths, migrateCertificates } from "../../src/index.js";

interface ChildOptions {
  legacyUrl: string;
  destinationUrl: string;
  mappingDir: string;
  workers?: number;
  groupSize?: number;
  reportPath?: string;
  runId?: string;
  /** A fixed clock (ISO instant), so concurrent runs stamp the rows they create with the same time. */
  now?: string;
}

async function open(url: string) {
  const spec = Result.getOrThrow(parseConnectionUrl(url));
  if (spec.kind === "embedded") throw new Error("a server URL is needed");
  return Result.getOrThrow(await openDataSource(spec, { poolSize: 12 }));
}

const options = JSON.parse(process.argv[2] ?? "{}") as ChildOptions;
const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
process.once("SIGTERM", () => controller.abort());

const legacy = await open(options.legacyUrl);
const destination = await open(options.destinationUrl);
let processed = 0;
const result = await migrateCertificates(
  { legacy, destination },
  {
    mappingFiles: mappingFilePaths(options.mappingDir),
    signal: controller.signal,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.groupSize === undefined ? {} : { groupSize: options.groupSize }),
    ...(options.reportPath === undefined ? {} : { reportPath: options.reportPath }),
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    ...(options.now === undefined ? {} : { clock: () => new Date(options.now as string) }),
    onProgress: (progress) => {
      // The parent waits for this line before it sends a signal, so the run is really under way.
      if (processed === 0 && progress.processed > 0) process.stdout.write("progress\n");
      processed = progress.processed;
    },
  },
);
await legacy.destroy();
await destination.destroy();
if (!result.ok) {
  process.stdout.write(`${JSON.stringify({ error: result.error.message })}\n`);
  process.exitCode = 1;
} else {
  // The machine zone this process ran in, so the time-zone test can show it really differed.
  const machineOffsetMinutes = -new Date(Date.UTC(2024, 2, 1)).getTimezoneOffset();
  process.stdout.write(`${JSON.stringify({ ...result.value, machineOffsetMinutes })}\n`);
}
