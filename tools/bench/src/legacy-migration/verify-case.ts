// `verifyMigration` in a process of its own, on the destination the job case has just migrated into.
// Run by the harness, compiled: `node verify-case.mjs '<json>'` (see case-bundle.ts).
import { openDataSource, parseConnectionUrl } from "@certs/db";
import { mappingFilePaths, verifyMigration } from "@certs/legacy-migration";
import type { DataSource } from "typeorm";
import { caseInput, reportResult } from "../case-process.js";
import { startCpuProfile } from "./cpu-profile.js";

/** What the harness asks of this process. */
export interface VerifyCaseInput {
  readonly legacyUrl: string;
  readonly destinationUrl: string;
  readonly mappingDirectory: string;
}

/** What this process reports. */
export interface VerifyCaseResult {
  readonly legacyRecords: number;
  readonly recomputed: number;
  readonly discrepancies: number;
  /** The whole `verifyMigration` call. */
  readonly elapsedMs: number;
  readonly error?: string;
}

const input = caseInput<VerifyCaseInput>();

async function open(url: string): Promise<DataSource> {
  const spec = parseConnectionUrl(url);
  if (!spec.ok || spec.value.kind === "embedded") throw new Error(`not a server URL: ${url}`);
  const opened = await openDataSource(spec.value, { poolSize: 4 });
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.value;
}

const legacy = await open(input.legacyUrl);
const destination = await open(input.destinationUrl);
try {
  const started = Date.now();
  const stopProfile = await startCpuProfile("verify");
  const result = await verifyMigration(
    { legacy, destination },
    { mappingFiles: mappingFilePaths(input.mappingDirectory) },
  );
  const elapsedMs = Date.now() - started;
  await stopProfile();
  reportResult<VerifyCaseResult>(
    result.ok
      ? {
          legacyRecords: result.value.legacyRecords,
          recomputed: result.value.recomputed,
          discrepancies: result.value.discrepancies,
          elapsedMs,
        }
      : {
          legacyRecords: 0,
          recomputed: 0,
          discrepancies: 0,
          elapsedMs,
          error: `${result.error.code}: ${result.error.message}`,
        },
  );
} finally {
  await Promise.all([legacy.destroy(), destination.destroy()]).catch(() => undefined);
}
