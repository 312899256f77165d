import { type Logger, silentLogger } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type pg from "pg";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { type LdifStreamItem, streamLdif } from "../parse/ldif.js";
import { readStoredCrlFacts, type StoredCrlFacts } from "./crl-admission.js";
import {
  DEFAULT_BATCH_ROWS,
  replaceTrustStoreWith,
  type TableCounts,
  type TrustStoreSink,
} from "../trust-store/trust-store-repository.js";
import { DEFAULT_SOURCE } from "../trust-store/trust-store-rows.js";
import type { StoreChanges } from "../trust-store/store-diff.js";
import { SignaturePool } from "../verify/signature-pool.js";
import { CheckedLdifEntries } from "./checked-ldif-entries.js";
import { type ConditionalSync, downloadSources, type SourceDownload } from "./conditional-sources.js";
import { openLdifSources, type OpenedLdif, streamReadError } from "./ldif-sources.js";
import type { SyncInput } from "./sync-input.js";
import {
  aboutSource,
  cancelled,
  type CollectOptions,
  collectSources,
  inputDigest,
  type SourceReport,
} from "./source-collection.js";
import type { VerificationReport } from "./verification-report.js";

/** Options of `syncTrustStore`. */
export interface SyncOptions extends CollectOptions {
  /** Parse and verify, write nothing (the pool is not used and may be omitted). */
  readonly dryRun?: boolean;
  /** Let sources without a single certificate empty the trust store; default: refuse. */
  readonly allowEmpty?: boolean;
  /**
   * Sync with verification on but no trust anchor: signatures are checked, chains are not, so a list signed
   * by anyone is accepted. Default: refuse (SIGNATURE_ERROR) before anything is read.
   */
  readonly allowUnanchored?: boolean;
  /** Rewrite the tables even when the input equals the last successful sync's. */
  readonly force?: boolean;
  /** The `source` column; default `icao-masterlist`. */
  readonly sourceLabel?: string;
  /** The sync time (`updated_at`, sync log); default the system clock. */
  readonly clock?: () => Date;
  /** Give up waiting for a concurrent sync after this long (DATABASE_ERROR); default: wait. */
  readonly lockTimeoutMs?: number;
  /** Rows per binary COPY batch; default 5,000. Bounds the rows held in memory while LDIF is streamed. */
  readonly batchSize?: number;
  /**
   * Worker threads that check the signatures of LDIF DSCs and CRLs; default `os.availableParallelism()`;
   * 0 checks them in the calling thread. A sync with at most 1,024 such signatures never starts a thread.
   */
  readonly signatureThreads?: number;
  /**
   * The downloads of the last successful sync (its `inputDigest` and `downloads`): their validators are
   * sent, and when every source answers 304 the sync ends `unchanged` with `notModified`, parsing and
   * writing nothing (see `ConditionalSync`).
   */
  readonly conditional?: ConditionalSync;
}

/**
 * How long each step of a sync took, in milliseconds. LDIF is parsed while the rows before it are stored,
 * so the steps overlap: `parseMs` and `buildMs` are the time spent parsing and building rows, `storeMs` the
 * rest of the write transaction (waiting for PostgreSQL, the deletes, the commit).
 */
export interface SyncTimings {
  readonly loadMs: number;
  readonly parseMs: number;
  readonly buildMs: number;
  readonly storeMs: number;
  readonly totalMs: number;
}

/** What a sync did. */
export interface SyncOutcome {
  /**
   * `replaced`: the tables now hold exactly these rows; `unchanged`: the input equals the last successful
   * sync's, so nothing was rewritten; `dry_run`: nothing was written.
   */
  readonly status: "replaced" | "unchanged" | "dry_run";
  /** True when the write was skipped because the input was unchanged. */
  readonly skipped: boolean;
  /** True when every source answered 304 Not Modified: nothing was parsed, written or logged ("unchanged (304)"). */
  readonly notModified: boolean;
  /** The http(s) sources as downloaded, with their ETag / Last-Modified (for `conditional` next time). */
  readonly downloads: readonly SourceDownload[];
  /** The `icao_sync_log` row of this run (for a 304, of the sync whose data is still current); null for a dry run. */
  readonly syncId: string | null;
  /** Lowercase hex SHA-256 over the inputs (see `inputDigest`), recorded in the sync log. */
  readonly inputDigest: string;
  /** Rows per table: written, or that would be written (dry run), or already there (unchanged). */
  readonly counts: TableCounts;
  /** What this sync changed per table and country against the rows it replaced; null for a dry run. */
  readonly changes: StoreChanges | null;
  readonly verification: VerificationReport;
  readonly sources: readonly SourceReport[];
  readonly timings: SyncTimings;
  /** ISO 8601 UTC. */
  readonly startedAt: string;
  readonly finishedAt: string;
}

const YIELD_EVERY_ENTRIES = 128;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Hashes the chunks as they pass, to check that a file read twice gave the same bytes both times. */
async function* hashing(chunks: AsyncIterable<Uint8Array>, hash: ReturnType<typeof createHash>) {
  for await (const chunk of chunks) {
    hash.update(chunk);
    yield chunk;
  }
}

/** The report of a sync that verified nothing because nothing had changed (304). */
function notVerified(enabled: boolean): VerificationReport {
  const none = { verified: 0, invalid: 0 };
  return {
    enabled,
    lists: [],
    crls: { ...none, stale: 0, rolledBack: 0 },
    dscs: { ...none, unverifiable: 0, nonConformant: 0, barCodeSigners: 0 },
    nestedLists: { verified: 0, untrusted: 0 },
    deviationLists: [],
    refused: [],
  };
}

/** The library's way out of the no-anchor refusal; apps replace it with their flags. */
export const NO_ANCHOR_ESCAPE = "(or allowUnanchored, or verify: false, to accept unverified data)";

function noTrustAnchor() {
  return appError(
    ErrorCode.SIGNATURE_ERROR,
    `No trust anchor configured: a list signed by anyone would replace the trust store, so nothing is written; give a trust anchor ${NO_ANCHOR_ESCAPE}.`,
  );
}

function refuseEmpty(counts: TableCounts, sources: readonly SourceReport[]) {
  return err(
    appError(
      ErrorCode.DATA_ERROR,
      "The sources yielded no certificates; refusing to empty the trust store (allowEmpty to force).",
      { details: { counts, sources: sources.map((s) => s.name) } },
    ),
  );
}

/**
 * Synchronises the trust store with the given sources: loads them, parses them, verifies every master list
 * (unless `verify: false`), builds the rows of the four tables (deduplicated across inputs by DER) and
 * replaces the tables in one transaction (see `replaceTrustStore`). Master lists and CRL files are read and
 * verified before the database is touched, so their PARSE_ERROR, SIGNATURE_ERROR or an unreadable source
 * leaves the tables and the sync log as they were. LDIF files are hashed first, then streamed entry by entry
 * into the transaction in batches of `batchSize` rows (binary COPY), so memory stays bounded whatever their
 * size; a broken entry, a nested list whose signature does not verify, or a file that changed since it was
 * hashed rolls the whole transaction back, leaving the old rows and no sync log entry. Sources without a
 * single certificate are refused (DATA_ERROR, rolled back) unless `allowEmpty`: a broken upstream must
 * not wipe the trust store. An input equal to the last successful sync's is not rewritten (nor its LDIF
 * parsed). A cancelled signal stops the sync and rolls back whatever was written. Migrate the schema first
 * (`migrateTrustStore`).
 */
export async function syncTrustStore(
  pool: pg.Pool | undefined,
  input: SyncInput,
  options: SyncOptions = {},
): Promise<Result<SyncOutcome>> {
  if (pool === undefined && options.dryRun !== true) {
    throw new TypeError("syncTrustStore needs a pg.Pool unless dryRun is set");
  }
  const logger: Logger = options.logger ?? silentLogger;
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const started = performance.now();
  const verify = options.verify ?? true;
  const limits = options.limits === undefined ? {} : { limits: options.limits };
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_ROWS);
  // Operator CSCAs are trusted like anchors: with them, DSCs, CRLs and deviation lists are anchored too.
  const anchored = (input.trustAnchors ?? []).length + (input.cscas ?? []).length > 0;
  if (verify && !anchored && options.allowUnanchored !== true) {
    return err(noTrustAnchor());
  }
  const downloaded = await downloadSources(pool, input, options, logger);
  if (!downloaded.ok) return downloaded;
  const { downloads, notModified } = downloaded.value;
  if (notModified !== undefined) {
    const loadMs = performance.now() - started;
    return ok({
      status: "unchanged",
      skipped: true,
      notModified: true,
      downloads,
      syncId: notModified.syncId,
      inputDigest: options.conditional?.inputDigest ?? "",
      counts: notModified.counts,
      verification: notVerified(verify),
      sources: [],
      // Nothing was replaced, so nothing changed.
      changes: null,
      timings: { loadMs, parseMs: 0, buildMs: 0, storeMs: 0, totalMs: loadMs },
      startedAt: startedAt.toISOString(),
      finishedAt: clock().toISOString(),
    });
  }
  input = downloaded.value.input;

  let storedCrls = new Map<string, StoredCrlFacts>();
  if (pool !== undefined && verify) {
    const stored = await readStoredCrlFacts(pool);
    if (!stored.ok) return stored;
    storedCrls = stored.value;
  }
  const sourceLabel = options.sourceLabel ?? DEFAULT_SOURCE;
  const collected = await collectSources(input, options, {
    ldif: "defer",
    storedCrls,
    rows: { updatedAt: startedAt, source: sourceLabel },
  });
  if (!collected.ok) return collected;
  const { intake, sources: read } = collected.value;
  const batch = intake.batch;
  const opening = performance.now();
  const opened = await openLdifSources(input.ldif ?? [], options, logger);
  if (!opened.ok) return opened;
  // Files with nested master lists first: the CSCAs they make trusted count for the DSCs and CRLs of the rest.
  const ldifFiles = [
    ...opened.value.filter((f) => f.holdsMasterLists),
    ...opened.value.filter((f) => !f.holdsMasterLists),
  ];
  const loadMs = collected.value.loadMs + performance.now() - opening;
  const sources: SourceReport[] = [
    ...read.filter((s) => s.kind !== "crl"),
    ...opened.value.map((f) => f.report),
    ...read.filter((s) => s.kind === "crl"),
  ];
  const digest = inputDigest(sources, sourceLabel, options);
  const timing = { parseMs: collected.value.parseMs, buildMs: 0, writeParseMs: 0 };

  // Without LDIF every row is known now: an empty result is refused before the database is touched.
  if (
    ldifFiles.length === 0 &&
    batch.counts.root_ca + batch.counts.dsc === 0 &&
    options.allowEmpty !== true
  ) {
    return refuseEmpty(batch.tableCounts(), sources);
  }
  if (options.signal?.aborted === true) return err(cancelled());

  const threads = Math.max(0, Math.floor(options.signatureThreads ?? availableParallelism()));
  const signatures = new SignaturePool({ threads, logger });
  const streamLdifFile = async (file: OpenedLdif, sink: TrustStoreSink | null): Promise<Result<void>> => {
    let flushMs = 0;
    // A full row batch goes to the database between two admitted entries, so batches stay bounded.
    const flush = async () => {
      if (batch.size < batchSize || sink === null) return;
      const flushStarted = performance.now();
      await sink.write(batch.take());
      flushMs += performance.now() - flushStarted;
    };
    const checked = new CheckedLdifEntries(
      intake,
      signatures,
      file.report.name,
      Math.max(2, 2 * threads),
      flush,
    );
    // Waiting for signature checks counts as verifying, sending rows as storing, the rest as building rows.
    const admitting = async (step: () => Promise<Result<void>>): Promise<Result<void>> => {
      const started = performance.now();
      const waited = checked.waitMs;
      const flushed = flushMs;
      const result = await step();
      const wait = checked.waitMs - waited;
      timing.writeParseMs += wait;
      timing.buildMs += performance.now() - started - wait - (flushMs - flushed);
      return result;
    };
    const hash = createHash("sha256");
    const entries = streamLdif(
      hashing(file.chunks(), hash),
      // Nested lists are checked by the intake, against the trusted CSCAs of their country.
      { masterList: { verify: false, ...limits }, ...limits },
      (der) => batch.isNew("dsc", der),
    );
    const tally = { entries: 0, dscs: 0, duplicates: 0, barCodeSigners: 0, crls: 0, masterLists: 0 };
    for (;;) {
      const parseStarted = performance.now();
      let next: IteratorResult<LdifStreamItem, void>;
      try {
        next = await entries.next();
      } catch (error) {
        return err(streamReadError(file, error));
      } finally {
        timing.writeParseMs += performance.now() - parseStarted;
      }
      if (next.done === true) break;
      const entry = next.value;
      if (!entry.ok) return err(aboutSource(entry.error, file.report.name));
      if (options.signal?.aborted === true) {
        await entries.return(undefined);
        return err(cancelled());
      }
      tally.entries += 1;
      tally.duplicates += entry.value.duplicates;
      tally.barCodeSigners += entry.value.barCodeSigners;
      // Admitted once its signatures are checked (in worker threads), in file order.
      const admitted = await admitting(() => checked.push(entry.value));
      if (!admitted.ok) return admitted;
      tally.dscs += entry.value.dscs.length;
      tally.crls += entry.value.crls.length;
      tally.masterLists += entry.value.masterLists.length;
      // Parsing never waits for I/O by itself: give the event loop a turn now and then, so the batches
      // already sent keep flowing to PostgreSQL while the next one is parsed.
      if (sink !== null && tally.entries % YIELD_EVERY_ENTRIES === 0) await yieldToEventLoop();
    }
    const drained = await admitting(() => checked.drain());
    if (!drained.ok) return drained;
    if (hash.digest("hex") !== file.report.sha256) {
      return err(
        appError(
          ErrorCode.FILE_ERROR,
          `${file.report.name} changed while it was being read; nothing was written, run the sync again`,
          { details: { source: file.report.name } },
        ),
      );
    }
    logger.info({ source: file.report.name, ...tally }, "LDIF read");
    return ok(undefined);
  };

  /** Streams the LDIF files into `sink` (none for a dry run) after the rows known already. */
  const fill = async (sink: TrustStoreSink | null): Promise<Result<TableCounts>> => {
    for (const file of ldifFiles) {
      const streamed = await streamLdifFile(file, sink);
      if (!streamed.ok) return streamed;
    }
    const rows = batch.take();
    if (sink !== null) await sink.write(rows);
    const counts = batch.tableCounts();
    if (counts.root_ca + counts.dsc === 0 && options.allowEmpty !== true) return refuseEmpty(counts, sources);
    return ok(counts);
  };

  const finish = (
    status: SyncOutcome["status"],
    syncId: string | null,
    counts: TableCounts,
    storeMs: number,
    changes: StoreChanges | null = null,
  ): Result<SyncOutcome> =>
    ok({
      status,
      skipped: status === "unchanged",
      notModified: false,
      downloads,
      syncId,
      inputDigest: digest,
      counts,
      changes,
      verification: intake.report(verify),
      sources,
      timings: {
        loadMs,
        parseMs: timing.parseMs + timing.writeParseMs,
        buildMs: timing.buildMs,
        storeMs,
        totalMs: performance.now() - started,
      },
      startedAt: startedAt.toISOString(),
      finishedAt: clock().toISOString(),
    });

  try {
    if (options.dryRun === true || pool === undefined) {
      const counted = await fill(null);
      if (!counted.ok) return counted;
      logger.info({ counts: counted.value }, "dry run: nothing written");
      return finish("dry_run", null, counted.value, 0);
    }

    const storeStarted = performance.now();
    const buildBefore = timing.buildMs;
    const stored = await replaceTrustStoreWith(pool, fill, {
      ...(options.force === true ? {} : { inputDigest: digest }),
      source: sources
        .filter((s) => s.kind !== "trust_anchor")
        .map((s) => s.name)
        .join(", "),
      clock,
      deviationLists: intake.deviationRows,
      ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
      onBatch: (rows) => logger.debug({ rows }, "batch stored"),
    });
    if (!stored.ok) return stored;
    // The parsing and row building done while the transaction was open are counted as such, not as storing.
    const storeMs = performance.now() - storeStarted - timing.writeParseMs - (timing.buildMs - buildBefore);
    logger.info(
      { status: stored.value.status, counts: stored.value.counts, syncId: stored.value.syncId },
      "trust store synchronised",
    );
    return finish(
      stored.value.status,
      stored.value.syncId,
      stored.value.counts,
      storeMs,
      stored.value.changes,
    );
  } finally {
    const { inThread, inWorkers } = signatures.checked;
    if (inThread + inWorkers > 0) logger.debug({ inThread, inWorkers, threads }, "signatures checked");
    await signatures.close();
  }
}
