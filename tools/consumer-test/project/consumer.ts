// A TypeScript consumer: every public entry point resolves with types under node16 resolution.
import { ok, Result, type AppError } from "@certs/result";
import { parseConnectionUrl, type ConnectionSpec } from "@certs/db";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@certs/db/embedded";
import { decodeCtEntry } from "@certs/ct-export";
import { generateCtEntries } from "@certs/ct-export/testing";
import { parseMasterList } from "@certs/icao-sync";
import { generateIcaoPki } from "@certs/icao-sync/testing";
import { parseSpeedLimit } from "@certs/legacy-migration";

const spec: Result<ConnectionSpec, AppError> = parseConnectionUrl("mysql://u@h/d");
const doubled: Result<number, AppError> = Result.map(ok(21), (n: number) => n * 2);
const started: Promise<Result<EmbeddedPostgres, AppError>> = startEmbeddedPostgres({ dataDir: "pg" });
export const used = [
  spec,
  doubled,
  started,
  decodeCtEntry,
  generateCtEntries,
  parseMasterList,
  generateIcaoPki,
  parseSpeedLimit,
];
