// `syncTrustStore` into an empty, migrated PostgreSQL database, in a process of its own.
// Run by the harness, compiled: `node sync-case.mjs '<json>'` (see case-bundle.ts).
import type { Logger } from "@certs/db";
import { syncTrustStore, type SyncTimings } from "@certs/icao-sync";
import { caseInput, reportOnStop, reportResult } from "../case-process.js";
import { migratedPool, tableCounts, type CaseSources } from "./case-database.js";

/** What the harness asks of this process. */
export interface SyncCaseInput {
  readonly url: string;
  readonly sources: CaseSources;
  /** Forced re-syncs after the first (each deletes and rewrites every row), for a warm figure. */
  readonly repeats: number;
}

/** What this process reports. */
export interface SyncCaseResult {
  /** The first sync of this process into the empty tables; null when it failed. */
  readonly first: SyncTimings | null;
  /** Total time of each forced re-sync. */
  readonly repeatMs: readonly number[];
  /** Rows the database holds afterwards, per table. */
  readonly rows: Record<string, number>;
  /** `verified`, `signature only`, `not verified` per master list, joined. */
  readonly verification: string;
  /** What the first sync reports of the LDIF DSCs and the CRLs whose signatures it checked. */
  readonly checked: SignatureCounts;
  /** This process's peak RSS so far at each message the first sync logged (end of reading, of each parse, of the write). */
  readonly milestones: readonly Milestone[];
  readonly error?: string;
}

/** DSCs and CRLs the sync verified, inputs it refused, and where their signatures were checked. */
export interface SignatureCounts {
  readonly dscsVerified: number;
  readonly crlsVerified: number;
  readonly refused: number;
  readonly inThread: number;
  readonly inWorkers: number;
}

const NONE_CHECKED: SignatureCounts = {
  dscsVerified: 0,
  crlsVerified: 0,
  refused: 0,
  inThread: 0,
  inWorkers: 0,
};

/** The peak RSS when the sync logged `message`. */
export interface Milestone {
  readonly message: string;
  readonly peakRssMb: number;
}

// Local files only; the PKD-sized LDIF is larger than the default download limit of 100 MiB.
const MAX_SOURCE_BYTES = 2 * 1024 * 1024 * 1024;

const input = caseInput<SyncCaseInput>();
const milestones: Milestone[] = [];
// The sync's log lines mark where its steps end: the peak RSS there shows which step needs the memory.
const record = (_: object, message?: string) => {
  milestones.push({ message: message ?? "", peakRssMb: process.resourceUsage().maxRSS / 1024 });
};
let checkedWhere = { inThread: 0, inWorkers: 0 };
// Debug lines (one per stored batch) are too many to list; the one on where signatures were checked is kept.
const milestoneLogger: Logger = {
  debug: (fields, message) => {
    if (message === "signatures checked") checkedWhere = fields as typeof checkedWhere;
  },
  info: record,
  warn: record,
  error: record,
};
reportOnStop<SyncCaseResult>(() => ({
  first: null,
  repeatMs: [],
  rows: {},
  verification: "",
  checked: NONE_CHECKED,
  milestones,
  error: "stopped",
}));
const pool = await migratedPool(input.url);
try {
  const sync = (force: boolean, logger?: Logger) =>
    syncTrustStore(
      pool,
      {
        masterLists: input.sources.masterLists,
        ldif: input.sources.ldif,
        trustAnchors: input.sources.trustAnchors,
      },
      { force, download: { maxBytes: MAX_SOURCE_BYTES }, ...(logger === undefined ? {} : { logger }) },
    );
  const first = await sync(false, milestoneLogger);
  if (!first.ok) {
    reportResult<SyncCaseResult>({
      first: null,
      repeatMs: [],
      rows: await tableCounts(pool),
      verification: "",
      checked: NONE_CHECKED,
      milestones,
      error: `${first.error.code}: ${first.error.message}`,
    });
  } else {
    const repeatMs: number[] = [];
    for (let i = 0; i < input.repeats; i++) {
      const again = await sync(true);
      if (!again.ok) throw new Error(again.error.message);
      repeatMs.push(again.value.timings.totalMs);
    }
    reportResult<SyncCaseResult>({
      first: first.value.timings,
      repeatMs,
      rows: await tableCounts(pool),
      verification: first.value.verification.lists.map((list) => list.chain).join(", "),
      checked: {
        dscsVerified: first.value.verification.dscs.verified,
        crlsVerified: first.value.verification.crls.verified,
        refused: first.value.verification.refused.length,
        inThread: checkedWhere.inThread,
        inWorkers: checkedWhere.inWorkers,
      },
      milestones,
    });
  }
} finally {
  await pool.end();
}
