// Generates the PKD-sized LDIF, its master list and trust anchor into the cache, in a process of its own
// (progress shown, memory not the harness's).
// Run by the harness, compiled: `node generate-case.mjs '<json>'` (see case-bundle.ts).
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { caseInput, reportProgress, reportResult } from "../case-process.js";
import {
  generateSyntheticPkd,
  type SyntheticPkdCounts,
  type SyntheticPkdFiles,
  type SyntheticPkdSpec,
} from "./synthetic-pkd.js";

/** What the harness asks of this process. */
export interface GenerateCaseInput {
  readonly spec: SyntheticPkdSpec;
  /** Where the files go; each written under a temporary name and renamed, so a cut-off run leaves no partial file. */
  readonly files: SyntheticPkdFiles;
}

/** What this process reports. */
export interface GenerateCaseResult {
  readonly counts: SyntheticPkdCounts;
  readonly elapsedMs: number;
}

const input = caseInput<GenerateCaseInput>();
const { files } = input;
mkdirSync(path.dirname(files.ldif), { recursive: true });
const temporary = `${files.ldif}.${process.pid}.tmp`;
const started = performance.now();
const fd = openSync(temporary, "w");
let open = true;
try {
  const generated = generateSyntheticPkd(
    input.spec,
    (text) => {
      writeSync(fd, text);
    },
    (done) => reportProgress(done),
  );
  closeSync(fd);
  open = false;
  for (const [file, bytes] of [
    [files.masterList, generated.masterList],
    [files.trustAnchor, generated.trustAnchor],
  ] as const) {
    writeFileSync(`${file}.${process.pid}.tmp`, bytes);
    renameSync(`${file}.${process.pid}.tmp`, file);
  }
  // The LDIF last: its presence (with the sidecar) is what marks a complete generation.
  renameSync(temporary, files.ldif);
  reportResult<GenerateCaseResult>({ counts: generated.counts, elapsedMs: performance.now() - started });
} catch (error) {
  if (open) closeSync(fd);
  rmSync(temporary, { force: true });
  throw error;
}
