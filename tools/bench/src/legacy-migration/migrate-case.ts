// The job under test in a process of its own: `migrateCertificates` with 10 workers, MariaDB to MariaDB,
// writing its Excel report. Run by the harness, compiled: `node migrate-case.mjs '<json>'` (see case-bundle.ts).
import { statSync } from "node:fs";
import { openDataSource, parseConnectionUrl } from "@certs/db";
import { mappingFilePaths, migrateCertificates, type MigrationProgress } from "@certs/legacy-migration";
import type { DataSource } from "typeorm";
import { caseInput, reportOnStop, reportProgress, reportResult, retainedHeapMb } from "../case-process.js";
import { startCpuProfile } from "./cpu-profile.js";

/** What the harness asks of this process. */
export interface MigrateCaseInput {
  readonly legacyUrl: string;
  readonly destinationUrl: string;
  readonly mappingDirectory: string;
  readonly reportPath: string;
  readonly workers: number;
  /** Connections per DataSource: one per worker plus the reader's and spare ones. */
  readonly poolSize: number;
}

/** What this process reports. */
export interface MigrateCaseResult {
  /** Pending certificates when the run started. */
  readonly total: number;
  /** Attempted (migrated + failed). */
  readonly processed: number;
  readonly migrated: number;
  readonly failed: number;
  readonly skipped: number;
  /** The whole `migrateCertificates` call: opening the session to the report renamed into place. */
  readonly elapsedMs: number;
  /** From the call to the end of its first group: mapping files, caches, ledger import, first page. */
  readonly firstGroupMs: number | null;
  /** From the call to the end of its last group: everything but the final exports. */
  readonly migratingMs: number | null;
  /** From the last group to certificates_mappings.json written (the ledger exported); from its mtime. */
  readonly ledgerExportMs: number | null;
  /** From the mapping files written to the report's last write (the Excel workbook streamed out). */
  readonly reportMs: number | null;
  readonly reportBytes: number | null;
  /** `completed`, `stopped` (by the harness) or `failed`. */
  readonly stoppedBy: string;
  readonly error?: string;
  /** RSS once modules are loaded and both DataSources are connected, before the timed call. */
  readonly startRssMb: number;
  /** CPU time (user + system) of this process during the call. */
  readonly cpuMs: number;
  /** Peak RSS (maxRSS) when the first group was done: the session open, its caches loaded. */
  readonly peakRssAfterFirstGroupMb: number | null;
  /** Peak RSS (maxRSS) when the last group was done, before the ledger export and the report. */
  readonly peakRssAfterLastGroupMb: number | null;
  /**
   * Heap still in use after a forced full collection when the first group was done (the session's caches
   * loaded) and when the last one was done (what the run holds at its largest), and how long those two
   * diagnostic collections took (inside the timed call).
   */
  readonly heapAfterFirstGroupMb: number | null;
  readonly heapAfterLastGroupMb: number | null;
  /**
   * The largest `process.memoryUsage()` figures sampled every 250 ms, while groups ran and after the last
   * one (ledger export and report): where RSS beyond the live heap sits (V8 heap or Buffers).
   */
  readonly memoryPeaksMb: { readonly migrating: MemoryPeak; readonly finishing: MemoryPeak };
  readonly diagnosticGcMs: number;
  /** Heap still in use after a full collection once the call returned. */
  readonly retainedHeapMb?: number | null;
}

/** Peaks of `process.memoryUsage()`, in MB. */
export interface MemoryPeak {
  /** V8 heap reserved (live objects and garbage not yet collected). */
  readonly heapTotal: number;
  /** Memory of Buffers and other objects outside the V8 heap (`external`, which includes arrayBuffers). */
  readonly external: number;
  readonly rss: number;
}

const PROGRESS_EVERY_MS = 1000;
const MEMORY_SAMPLE_MS = 250;
const input = caseInput<MigrateCaseInput>();
const state = {
  startedAt: null as number | null,
  firstGroupAt: null as number | null,
  lastGroupAt: null as number | null,
  peakAfterFirstMb: null as number | null,
  peakAfterLastMb: null as number | null,
  heapAfterFirstMb: null as number | null,
  heapAfterLastMb: null as number | null,
  memoryPeaks: {
    migrating: { heapTotal: 0, external: 0, rss: 0 },
    finishing: { heapTotal: 0, external: 0, rss: 0 },
  },
  finishing: false,
  gcMs: 0,
  lastGcMs: 0,
  lastReported: 0,
  progress: null as MigrationProgress | null,
  startRssMb: 0,
  startCpu: process.cpuUsage(),
};
reportOnStop<MigrateCaseResult>(() => ({
  ...counts(),
  elapsedMs: state.startedAt === null ? 0 : Date.now() - state.startedAt,
  ...phases(null),
  reportBytes: null,
  stoppedBy: "stopped",
  startRssMb: state.startRssMb,
  cpuMs: cpuMsSinceStart(),
}));

const legacy = await open(input.legacyUrl);
const destination = await open(input.destinationUrl);
try {
  reportResult(await migrate());
} finally {
  await Promise.all([legacy.destroy(), destination.destroy()]).catch(() => undefined);
}

async function migrate(): Promise<MigrateCaseResult> {
  state.startRssMb = process.memoryUsage.rss() / 1024 / 1024;
  state.startCpu = process.cpuUsage();
  // Wall-clock milliseconds throughout, to compare with the mtimes of the files the job writes at its end.
  const started = Date.now();
  state.startedAt = started;
  const sampler = setInterval(sampleMemory, MEMORY_SAMPLE_MS);
  const stopProfile = await startCpuProfile("migrate");
  const result = await migrateCertificates(
    { legacy, destination },
    {
      mappingFiles: mappingFilePaths(input.mappingDirectory),
      workers: input.workers,
      reportPath: input.reportPath,
      onProgress: groupDone,
    },
  );
  const finished = Date.now();
  await stopProfile();
  clearInterval(sampler);
  sampleMemory();
  const common = {
    ...counts(),
    elapsedMs: finished - started,
    startRssMb: state.startRssMb,
    cpuMs: cpuMsSinceStart(),
  };
  if (!result.ok) {
    return {
      ...common,
      ...phases(null),
      reportBytes: null,
      stoppedBy: "failed",
      error: `${result.error.code}: ${result.error.message}`,
    };
  }
  const summary = result.value;
  const report = fileStat(input.reportPath);
  return {
    ...common,
    total: summary.total,
    processed: summary.migrated + summary.failed,
    migrated: summary.migrated,
    failed: summary.failed,
    skipped: summary.skipped,
    ...phases(report?.mtimeMs ?? null),
    reportBytes: report?.size ?? null,
    stoppedBy: summary.stopReason,
    retainedHeapMb: retainedHeapMb(),
  };
}

function groupDone(progress: MigrationProgress): void {
  const now = Date.now();
  state.progress = progress;
  if (state.firstGroupAt === null) {
    state.firstGroupAt = now;
    state.peakAfterFirstMb = maxRssMb();
    state.heapAfterFirstMb = timedRetainedHeapMb();
  }
  state.lastGroupAt = now;
  if (progress.processed >= progress.total) {
    state.peakAfterLastMb = maxRssMb();
    sampleMemory();
    state.finishing = true;
    state.heapAfterLastMb = timedRetainedHeapMb();
  }
  // The first group is reported at once, so the harness can tell a stuck start from a slow one.
  if (state.lastReported !== 0 && now - state.lastReported < PROGRESS_EVERY_MS) return;
  state.lastReported = now;
  reportProgress({ processed: progress.processed, total: progress.total });
}

function sampleMemory(): void {
  const memory = process.memoryUsage();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const peak = state.finishing ? state.memoryPeaks.finishing : state.memoryPeaks.migrating;
  peak.heapTotal = Math.max(peak.heapTotal, mb(memory.heapTotal));
  peak.external = Math.max(peak.external, mb(memory.external));
  peak.rss = Math.max(peak.rss, mb(memory.rss));
}

function timedRetainedHeapMb(): number | null {
  const started = performance.now();
  const heap = retainedHeapMb();
  state.lastGcMs = performance.now() - started;
  state.gcMs += state.lastGcMs;
  return heap;
}

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function counts(): Pick<MigrateCaseResult, "total" | "processed" | "migrated" | "failed" | "skipped"> {
  const p = state.progress;
  return {
    total: p?.total ?? 0,
    processed: p?.processed ?? 0,
    migrated: p?.migrated ?? 0,
    failed: p?.failed ?? 0,
    skipped: p?.skipped ?? 0,
  };
}

/** Splits the call at its first and last group and at the files it writes at the end (by their mtimes). */
function phases(
  reportWrittenAt: number | null,
): Pick<
  MigrateCaseResult,
  | "firstGroupMs"
  | "migratingMs"
  | "ledgerExportMs"
  | "reportMs"
  | "peakRssAfterFirstGroupMb"
  | "peakRssAfterLastGroupMb"
  | "heapAfterFirstGroupMb"
  | "heapAfterLastGroupMb"
  | "memoryPeaksMb"
  | "diagnosticGcMs"
> {
  const started = state.startedAt;
  const since = (at: number | null) => (started === null || at === null ? null : at - started);
  const paths = mappingFilePaths(input.mappingDirectory);
  const exportedAt = fileStat(paths.certificates)?.mtimeMs ?? null;
  // technicians_mapping.json is rewritten after the ledger export when the run created technicians.
  const technicians = fileStat(paths.technicians)?.mtimeMs ?? null;
  const mappingsDoneAt =
    exportedAt === null ? null : technicians === null ? exportedAt : Math.max(exportedAt, technicians);
  const last = state.lastGroupAt;
  return {
    firstGroupMs: since(state.firstGroupAt),
    peakRssAfterFirstGroupMb: state.peakAfterFirstMb,
    peakRssAfterLastGroupMb: state.peakAfterLastMb,
    heapAfterFirstGroupMb: state.heapAfterFirstMb,
    heapAfterLastGroupMb: state.heapAfterLastMb,
    memoryPeaksMb: state.memoryPeaks,
    diagnosticGcMs: state.gcMs,
    migratingMs: since(last),
    // The diagnostic collection after the last group ran before the export began: not the export's time.
    ledgerExportMs:
      last === null || exportedAt === null || exportedAt < last ? null : exportedAt - last - state.lastGcMs,
    reportMs:
      reportWrittenAt === null || mappingsDoneAt === null || last === null || mappingsDoneAt < last
        ? null
        : reportWrittenAt - mappingsDoneAt,
  };
}

function fileStat(file: string): { mtimeMs: number; size: number } | null {
  try {
    const stats = statSync(file);
    return { mtimeMs: stats.mtimeMs, size: stats.size };
  } catch {
    return null;
  }
}

function cpuMsSinceStart(): number {
  const used = process.cpuUsage(state.startCpu);
  return (used.user + used.system) / 1000;
}

async function open(url: string): Promise<DataSource> {
  const spec = parseConnectionUrl(url);
  if (!spec.ok) throw new Error(spec.error.message);
  if (spec.value.kind === "embedded") throw new Error("the benchmark needs a server URL");
  const opened = await openDataSource(spec.value, { poolSize: input.poolSize });
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.value;
}
