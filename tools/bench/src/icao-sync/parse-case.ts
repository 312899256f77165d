// Parse plus verify of one real master list in a process of its own: the first call, then warm calls.
// Run by the harness, compiled: `node parse-case.mjs '<json>'` (see case-bundle.ts).
import { readFileSync } from "node:fs";
import { loadTrustAnchors, parseMasterList, type TrustAnchor } from "@certs/icao-sync";
import { caseInput, reportResult } from "../case-process.js";

/** What the harness asks of this process. */
export interface ParseCaseInput {
  readonly listFile: string;
  /** The anchor the signer must chain to; null checks the signature only. */
  readonly anchorFile: string | null;
  readonly warmRuns: number;
}

/** What this process reports. */
export interface ParseCaseResult {
  /** The first `parseMasterList` call in this process (modules already loaded, file already read). */
  readonly firstMs: number;
  /** Each later call, in order. */
  readonly warmMs: readonly number[];
  /** `verified` (signature and chain), `signature only` (no anchor), or the error code and message. */
  readonly outcome: string;
  /** Whether the outcome was a refusal (an error result). */
  readonly refused: boolean;
  /** certList entries (distinct by DER), read with verification off. */
  readonly certificates: number;
}

const input = caseInput<ParseCaseInput>();
const bytes = new Uint8Array(readFileSync(input.listFile));
let trustAnchors: TrustAnchor[] = [];
if (input.anchorFile !== null) {
  const anchors = loadTrustAnchors([new Uint8Array(readFileSync(input.anchorFile))]);
  if (!anchors.ok) throw new Error(anchors.error.message);
  trustAnchors = anchors.value;
}

const time = () => {
  const started = performance.now();
  const result = parseMasterList(bytes, { trustAnchors });
  return { ms: performance.now() - started, result };
};
const first = time();
const warmMs: number[] = [];
for (let i = 0; i < input.warmRuns; i++) {
  const run = time();
  if (run.result.ok !== first.result.ok) throw new Error("a warm run disagreed with the first call");
  warmMs.push(run.ms);
}
const structure = parseMasterList(bytes, { verify: false });
const outcome = first.result.ok
  ? first.result.value.verification?.chainChecked === true
    ? "verified"
    : "signature only"
  : `${first.result.error.code}: ${first.result.error.message}`;
reportResult<ParseCaseResult>({
  firstMs: first.ms,
  warmMs,
  outcome,
  refused: !first.result.ok,
  certificates: structure.ok ? structure.value.cscas.length : 0,
});
