// Generates the PKD-sized LDIF into the cache, in a process of its own (progress shown, memory not the harness's).
// Run by the harness, compiled: `node generate-case.mjs '<json>'` (see case-bundle.ts).
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { caseInput, reportProgress, reportResult } from "../case-process.js";
import { generateSyntheticPkd, type SyntheticPkdCounts, type SyntheticPkdSpec } from "./synthetic-pkd.js";

/** What the harness asks of this process. */
export interface GenerateCaseInput {
  readonly spec: SyntheticPkdSpec;
  /** Where the LDIF goes; written under a temporary name and renamed, so a cut-off run leaves no partial file. */
  readonly file: string;
}

/** What this process reports. */
export interface GenerateCaseResult {
  readonly counts: SyntheticPkdCounts;
  readonly elapsedMs: number;
}

const input = caseInput<GenerateCaseInput>();
mkdirSync(path.dirname(input.file), { recursive: true });
const temporary = `${input.file}.${process.pid}.tmp`;
const started = performance.now();
const fd = openSync(temporary, "w");
try {
  const counts = generateSyntheticPkd(
    input.spec,
    (text) => {
      writeSync(fd, text);
    },
    (done) => reportProgress(done),
  );
  closeSync(fd);
  renameSync(temporary, input.file);
  reportResult<GenerateCaseResult>({ counts, elapsedMs: performance.now() - started });
} catch (error) {
  closeSync(fd);
  rmSync(temporary, { force: true });
  throw error;
}
