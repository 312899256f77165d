import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ManagedServer } from "@certs/testdb/servers";
import { ratioTo, type BenchContext, type Benchmark, type BenchRow } from "../benchmark.js";
import type { MemoryPeak, MigrateCaseInput, MigrateCaseResult } from "./migrate-case.js";
import { createMigrationFixture, type MigrationFixture } from "./migration-fixture.js";
import { processCpuMs } from "./process-cpu.js";
import { countersBetween, readServerCounters, type ServerCounters } from "./server-status.js";
import type { RawInsertCaseInput, RawInsertCaseResult } from "./raw-insert-case.js";
import type { VerifyCaseInput, VerifyCaseResult } from "./verify-case.js";

const JOB_CASE = fileURLToPath(new URL("./migrate-case.ts", import.meta.url));
const RAW_CASE = fileURLToPath(new URL("./raw-insert-case.ts", import.meta.url));
const VERIFY_CASE = fileURLToPath(new URL("./verify-case.ts", import.meta.url));
/** The issue's targets: the whole call against the raw insert, and verification's own rate. */
const MIN_RATIO = 0.6;
const MIN_VERIFY_RATE = 10_000;
/** The issue's sizes: 100,000 certificates, and three times as many to show memory stays flat. */
const DEFAULT_LARGE = 300_000;
const SMALL_SHARE = 3;
const WORKERS = 10;
/** One connection per worker, the reader's, and spares for the ledger and exports. */
const POOL_SIZE = 12;
/** The job's default group size: the baseline commits as many certificates per transaction. */
const GROUP_SIZE = 50;
const MIN_RATE = 3_000;
const MAX_RSS_MB = 400;
/** "Flat": peak RSS at the larger size within this factor of the smaller size's. */
const MAX_RSS_GROWTH = 1.2;
/** The job reports nothing while it exports the ledger and writes the report: allow for that before calling it stuck. */
const JOB_IDLE_LIMIT_MS = 180_000;
const RAW_IDLE_LIMIT_MS = 30_000;

const JOB = `migrateCertificates, ${WORKERS} workers, with report`;
const RAW = `raw multi-row INSERT, ${WORKERS} connections, ${GROUP_SIZE} per transaction`;
const VERIFY = "verifyMigration of the job's destination";

/**
 * legacy-migration on MariaDB: `migrateCertificates` (10 workers) from a seeded legacy database into a seeded
 * destination, against the same final rows inserted again with raw mysql2 multi-row INSERTs, at two sizes.
 */
export const legacyMigrationBenchmark: Benchmark = {
  name: "legacy-migration",
  description:
    "`migrateCertificates({ legacy, destination }, { mappingFiles, workers: 10, reportPath })` moving generated " +
    "certificates MariaDB to MariaDB (each a vehicle, a certificate, the vehicle's link and a ledger row, in " +
    "groups of 50 per transaction, vehicles and certificates a multi-row INSERT … RETURNING each, a savepoint " +
    "per certificate only when one fails) and writing its Excel report, against a raw multi-row " +
    "INSERT of the same final rows measured in the same run.",
  method:
    "For each size a dataset is generated with `generateLegacyDataset({ certificates: N, seed: 'bench', " +
    "premigratedShare: 0 })` (so all N certificates are pending; the generator's defects make about a fifth of them fail, by design) and " +
    "`setUpMigrationDatabases` seeds a legacy and a destination database on one MariaDB server (not timed). The " +
    "job runs in a child process of its own (plain `node` on the built packages): two @certs/db " +
    `DataSources (\`openDataSource\`, pool ${POOL_SIZE}), then \`migrateCertificates\` with ${WORKERS} workers ` +
    "and the default group size of 50, writing `certificate_migration_report.xlsx` into a temp directory. Its " +
    "throughput is certificates attempted (migrated + failed) / the whole call, from opening the session " +
    "(mapping files, caches) to the report renamed into place; the split into phases comes from the call's " +
    "progress callbacks and the mtimes of the files it writes at its end. Then the baseline, also in a child " +
    "process: it reads back (not timed) the job's ledger rows of this run with their certificates and vehicles, " +
    "and inserts them, ids and all, into a third database with the destination tables created and seeded the " +
    `same way (plus the technicians the job created, copied untimed), over ${WORKERS} raw mysql2 connections: ` +
    `per transaction of ${GROUP_SIZE} certificates one INSERT of the vehicles, one of the certificates, one ` +
    "UPDATE linking the vehicles (CASE id WHEN ... THEN ...), one INSERT of the ledger rows, COMMIT. Its " +
    "throughput is certificates inserted / time from the first BEGIN to the last COMMIT. Peak RSS is each child's " +
    "own maxRSS. One round per size unless `--rounds` says otherwise (each round on freshly seeded databases; " +
    "medians shown). The MariaDB server's CPU time during each case is read from /proc.",
  run,
};

interface Measurement {
  readonly job: MigrateCaseResult | null;
  readonly jobRssMb: number | null;
  readonly jobFailure: string | null;
  readonly jobServerCpuMs: number | null;
  readonly jobServer: ServerCounters;
  readonly raw: RawInsertCaseResult | null;
  readonly rawRssMb: number | null;
  readonly rawFailure: string | null;
  readonly rawServerCpuMs: number | null;
  readonly rawServer: ServerCounters;
  readonly seedMs: number;
  readonly createdTechnicians: number;
  readonly failures: readonly { step: string; code: string; count: number }[];
  readonly verify: VerifyCaseResult | null;
  readonly verifyRssMb: number | null;
  readonly verifyFailure: string | null;
}

async function run(context: BenchContext): Promise<BenchRow[]> {
  const large = context.size ?? DEFAULT_LARGE;
  const small = Math.max(100, Math.round(large / SMALL_SHARE));
  const rounds = context.rounds ?? 1;
  const server = await context.server("mysql");
  const measured = new Map<number, Measurement[]>();
  for (const size of [small, large]) {
    for (let round = 1; round <= rounds; round += 1) {
      const tag = rounds > 1 ? ` (round ${round}/${rounds})` : "";
      const list = measured.get(size) ?? [];
      list.push(await measureSize(context, server, size, tag));
      measured.set(size, list);
    }
  }

  const rows: BenchRow[] = [];
  for (const size of [small, large]) {
    const list = measured.get(size) ?? [];
    rows.push(rawRow(size, list));
    rows.push(jobRow(rows, size, list, size === large ? peakOf(measured.get(small) ?? [], "job") : null));
    rows.push(verifyRow(size, list));
  }
  context.note(describeDataset(measured, small, large));
  context.note(describePhases(measured, [small, large]));
  context.note(describeCpu(measured, [small, large]));
  context.note(describeRss(measured, small, large));
  return rows;
}

async function measureSize(
  context: BenchContext,
  server: ManagedServer,
  size: number,
  tag: string,
): Promise<Measurement> {
  const label = `${size.toLocaleString("en-US")} certificates${tag}`;
  const directory = context.tempDir(`legacy-migration-${size}`);
  const mappingDirectory = context.tempDir(`legacy-migration-mappings-${size}`);
  context.log(`legacy-migration: generating and seeding ${label}`);
  const fixture = await createMigrationFixture(server.adminUrl, size, mappingDirectory);
  context.log(`legacy-migration: seeded in ${(fixture.seedMs / 1000).toFixed(1)} s`);
  try {
    const job = await runJob(context, server, fixture, path.join(directory, "report.xlsx"), label);
    const verify = await runVerify(context, fixture, label);
    const createdTechnicians = await fixture.copyCreatedTechnicians();
    const failures = await fixture.failureCounts();
    const raw = await runRaw(context, server, fixture, label);
    return { ...job, ...raw, ...verify, seedMs: fixture.seedMs, createdTechnicians, failures };
  } finally {
    await fixture.drop();
    rmSync(directory, { recursive: true, force: true });
    rmSync(mappingDirectory, { recursive: true, force: true });
  }
}

async function runJob(
  context: BenchContext,
  server: ManagedServer,
  fixture: MigrationFixture,
  reportPath: string,
  label: string,
): Promise<Pick<Measurement, "job" | "jobRssMb" | "jobFailure" | "jobServerCpuMs" | "jobServer">> {
  context.log(`legacy-migration: ${JOB}, ${label}...`);
  const innodbBefore = await readServerCounters(server.adminUrl);
  const serverCpuBefore = processCpuMs(server.pid());
  const outcome = await context.runCase<MigrateCaseResult>({
    file: JOB_CASE,
    input: {
      legacyUrl: fixture.legacyUrl,
      destinationUrl: fixture.destinationUrl,
      mappingDirectory: fixture.mappingDirectory,
      reportPath,
      workers: WORKERS,
      poolSize: POOL_SIZE,
    } satisfies MigrateCaseInput,
    // Only a stuck job meets these: a healthy one finishes a group every few milliseconds.
    timeoutMs: 120_000 + fixture.size * 1.5,
    idleTimeoutMs: JOB_IDLE_LIMIT_MS,
    onProgress: (progress) => {
      const { processed } = progress as { processed: number };
      context.log(`  ${JOB}, ${label}: ${processed.toLocaleString("en-US")} certificates`);
    },
  });
  const serverCpuAfter = processCpuMs(server.pid());
  const innodbAfter = await readServerCounters(server.adminUrl);
  const result = outcome.result;
  let failure: string | null = null;
  if (result === null) {
    failure = `the case process exited (${outcome.signal ?? outcome.exitCode}) without a result: ${outcome.stderrTail}`;
  } else if (result.error !== undefined) {
    failure = result.error;
  } else if (outcome.timedOut) {
    failure = `stopped after ${Math.round(outcome.wallMs / 1000)} s${outcome.stalled ? " without progress" : ""}, with ${result.processed.toLocaleString("en-US")} of ${fixture.size.toLocaleString("en-US")} certificates done`;
  } else if (result.processed !== fixture.size) {
    failure = `${result.processed.toLocaleString("en-US")} of ${fixture.size.toLocaleString("en-US")} certificates attempted (${result.stoppedBy})`;
  }
  context.log(
    `  ${JOB}, ${label}: ${result === null ? "no result" : `${Math.round(jobRate(result)).toLocaleString("en-US")} certificates/s`}, ` +
      `peak RSS ${outcome.peakRssMb?.toFixed(0) ?? "?"} MB${failure === null ? "" : ` (${failure})`}`,
  );
  return {
    job: result,
    jobRssMb: outcome.peakRssMb,
    jobFailure: failure,
    jobServerCpuMs: cpuDelta(serverCpuBefore, serverCpuAfter),
    jobServer: countersBetween(innodbBefore, innodbAfter),
  };
}

async function runVerify(
  context: BenchContext,
  fixture: MigrationFixture,
  label: string,
): Promise<Pick<Measurement, "verify" | "verifyRssMb" | "verifyFailure">> {
  context.log(`legacy-migration: ${VERIFY}, ${label}...`);
  const outcome = await context.runCase<VerifyCaseResult>({
    file: VERIFY_CASE,
    input: {
      legacyUrl: fixture.legacyUrl,
      destinationUrl: fixture.destinationUrl,
      mappingDirectory: fixture.mappingDirectory,
    } satisfies VerifyCaseInput,
    timeoutMs: 60_000 + fixture.size,
    idleTimeoutMs: 60_000 + fixture.size,
  });
  const result = outcome.result;
  let failure: string | null = null;
  if (result === null)
    failure = `the case process exited (${outcome.signal ?? outcome.exitCode}) without a result: ${outcome.stderrTail}`;
  else if (result.error !== undefined) failure = result.error;
  else if (result.discrepancies > 0)
    failure = `${count(result.discrepancies)} discrepancies in an untouched migration`;
  context.log(
    `  ${VERIFY}, ${label}: ${result === null ? "no result" : `${Math.round(verifyRate(result)).toLocaleString("en-US")} certificates/s`}, ` +
      `peak RSS ${outcome.peakRssMb?.toFixed(0) ?? "?"} MB${failure === null ? "" : ` (${failure})`}`,
  );
  return { verify: result, verifyRssMb: outcome.peakRssMb, verifyFailure: failure };
}

function verifyRate(result: VerifyCaseResult): number {
  return result.elapsedMs > 0 ? (result.legacyRecords * 1000) / result.elapsedMs : 0;
}

function verifyRow(size: number, list: readonly Measurement[]): BenchRow {
  const throughput = median(list.map((m) => (m.verify === null ? 0 : verifyRate(m.verify))));
  const peaks = list.map((m) => m.verifyRssMb).filter((peak): peak is number => peak !== null);
  const peakRssMb = peaks.length === 0 ? null : Math.max(...peaks);
  const failures = list.map((m) => m.verifyFailure);
  return {
    case: VERIFY,
    size,
    throughput,
    unit: "certificates/s",
    peakRssMb,
    baseline: null,
    ratio: null,
    target: {
      description: `≥ ${MIN_VERIFY_RATE.toLocaleString("en-US")} certificates/s, clean, RSS < ${MAX_RSS_MB} MB`,
      met:
        failures.every((failure) => failure === null) &&
        throughput >= MIN_VERIFY_RATE &&
        peakRssMb !== null &&
        peakRssMb < MAX_RSS_MB,
    },
    ...remarkOf(failures),
  };
}

async function runRaw(
  context: BenchContext,
  server: ManagedServer,
  fixture: MigrationFixture,
  label: string,
): Promise<Pick<Measurement, "raw" | "rawRssMb" | "rawFailure" | "rawServerCpuMs" | "rawServer">> {
  context.log(`legacy-migration: ${RAW}, ${label}...`);
  const innodbBefore = await readServerCounters(server.adminUrl);
  const serverCpuBefore = processCpuMs(server.pid());
  const outcome = await context.runCase<RawInsertCaseResult>({
    file: RAW_CASE,
    input: {
      sourceUrl: fixture.destinationUrl,
      targetUrl: fixture.baselineUrl,
      connections: WORKERS,
      groupSize: GROUP_SIZE,
    } satisfies RawInsertCaseInput,
    timeoutMs: 60_000 + fixture.size,
    idleTimeoutMs: RAW_IDLE_LIMIT_MS,
  });
  const serverCpuAfter = processCpuMs(server.pid());
  const innodbAfter = await readServerCounters(server.adminUrl);
  const result = outcome.result;
  let failure: string | null = null;
  if (result === null) {
    failure = `the case process exited (${outcome.signal ?? outcome.exitCode}) without a result: ${outcome.stderrTail}`;
  } else if (result.error !== undefined) {
    failure = result.error;
  } else if (outcome.timedOut) {
    failure = `stopped after ${Math.round(outcome.wallMs / 1000)} s, with ${result.certificates.toLocaleString("en-US")} certificates inserted`;
  }
  context.log(
    `  ${RAW}, ${label}: ${result === null ? "no result" : `${Math.round(rawRate(result)).toLocaleString("en-US")} certificates/s`}, ` +
      `peak RSS ${outcome.peakRssMb?.toFixed(0) ?? "?"} MB${failure === null ? "" : ` (${failure})`}`,
  );
  return {
    raw: result,
    rawRssMb: outcome.peakRssMb,
    rawFailure: failure,
    rawServerCpuMs: cpuDelta(serverCpuBefore, serverCpuAfter),
    rawServer: countersBetween(innodbBefore, innodbAfter),
  };
}

function cpuDelta(before: number | null, after: number | null): number | null {
  return before === null || after === null ? null : after - before;
}

function jobRate(result: MigrateCaseResult): number {
  return result.elapsedMs > 0 ? (result.processed * 1000) / result.elapsedMs : 0;
}

function rawRate(result: RawInsertCaseResult): number {
  return result.elapsedMs > 0 ? (result.certificates * 1000) / result.elapsedMs : 0;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function peakOf(list: readonly Measurement[], which: "job" | "raw"): number | null {
  const peaks = list
    .map((m) => (which === "job" ? m.jobRssMb : m.rawRssMb))
    .filter((peak): peak is number => peak !== null);
  return peaks.length === 0 ? null : Math.max(...peaks);
}

function remarkOf(failures: readonly (string | null)[]): { remark?: string } {
  const listed = failures
    .map((failure, i) =>
      failure === null ? null : failures.length > 1 ? `round ${i + 1}: ${failure}` : failure,
    )
    .filter((failure): failure is string => failure !== null);
  return listed.length === 0 ? {} : { remark: listed.join("; ") };
}

function rawRow(size: number, list: readonly Measurement[]): BenchRow {
  return {
    case: RAW,
    size,
    throughput: median(list.map((m) => (m.raw === null ? 0 : rawRate(m.raw)))),
    unit: "certificates/s",
    peakRssMb: peakOf(list, "raw"),
    baseline: null,
    ratio: null,
    ...remarkOf(list.map((m) => m.rawFailure)),
  };
}

function jobRow(
  rows: readonly BenchRow[],
  size: number,
  list: readonly Measurement[],
  smallerPeakMb: number | null,
): BenchRow {
  const throughput = median(list.map((m) => (m.job === null ? 0 : jobRate(m.job))));
  const peakRssMb = peakOf(list, "job");
  const failures = list.map((m) => m.jobFailure);
  const ratio = ratioTo(rows, RAW, size, throughput);
  const goals = [
    { description: `≥ ${MIN_RATE.toLocaleString("en-US")} certificates/s`, met: throughput >= MIN_RATE },
    { description: `≥ ${MIN_RATIO} × the raw insert`, met: ratio !== null && ratio >= MIN_RATIO },
    { description: `RSS < ${MAX_RSS_MB} MB`, met: peakRssMb !== null && peakRssMb < MAX_RSS_MB },
  ];
  if (smallerPeakMb !== null) {
    goals.push({
      description: `RSS ≤ ${MAX_RSS_GROWTH} × the smaller size's`,
      met: peakRssMb !== null && peakRssMb <= smallerPeakMb * MAX_RSS_GROWTH,
    });
  }
  return {
    case: JOB,
    size,
    throughput,
    unit: "certificates/s",
    peakRssMb,
    baseline: RAW,
    ratio,
    target: {
      description: goals.map((goal) => goal.description).join(", "),
      met: failures.every((failure) => failure === null) && goals.every((goal) => goal.met),
    },
    ...remarkOf(failures),
  };
}

const count = (value: number) => value.toLocaleString("en-US");
const seconds = (ms: number | null) => (ms === null ? "?" : `${(ms / 1000).toFixed(1)} s`);
const megabytes = (value: number | null | undefined) =>
  value === null || value === undefined ? "?" : `${value.toFixed(0)} MB`;

function describeDataset(measured: ReadonlyMap<number, Measurement[]>, small: number, large: number): string {
  const parts = [small, large].map((size) => {
    const first = measured.get(size)?.[0];
    const job = first?.job;
    if (first === undefined || job === null || job === undefined) return `${count(size)}: no result`;
    const reasons = first.failures
      .slice(0, 4)
      .map((failure) => `${count(failure.count)} ${failure.code} at "${failure.step}"`)
      .join(", ");
    return (
      `${count(size)}: ${count(job.migrated)} migrated and ${count(job.failed)} failed` +
      `${reasons === "" ? "" : ` (${reasons})`}, ${count(first.createdTechnicians)} technicians created; ` +
      `the baseline inserted ${count(first.raw?.certificates ?? 0)} certificates with ` +
      `${count(first.raw?.vehicles ?? 0)} vehicles in ${count(first.raw?.transactions ?? 0)} transactions; ` +
      `generating and seeding took ${seconds(first.seedMs)} (not timed)`
    );
  });
  return (
    `Data — ${parts.join("; ")}. The failures are the generator's deliberate defects (unmapped customers and ` +
    "users, unknown ECU prefixes, zero ids, missing dates). The job's rate counts every certificate it " +
    "attempted (a failed one is read, planned, refused before any write or rolled back to its savepoint, and " +
    "reported); the baseline's counts the migrated certificates it inserts again."
  );
}

function describePhases(measured: ReadonlyMap<number, Measurement[]>, sizes: readonly number[]): string {
  const parts = sizes.map((size) => {
    const job = measured.get(size)?.[0]?.job;
    if (job === null || job === undefined) return `${count(size)}: no result`;
    const migrating =
      job.migratingMs === null || job.firstGroupMs === null ? null : job.migratingMs - job.firstGroupMs;
    const rate =
      migrating === null || migrating <= 0 ? null : ((job.processed - GROUP_SIZE) * 1000) / migrating;
    const reportMb = job.reportBytes === null ? "?" : (job.reportBytes / 1024 / 1024).toFixed(1);
    return (
      `${count(size)}: whole call ${seconds(job.elapsedMs)} = start to the first group ${seconds(job.firstGroupMs)} ` +
      `(mapping files, caches, first page) + migrating ${seconds(migrating)}` +
      `${rate === null ? "" : ` (${count(Math.round(rate))} certificates/s while groups ran)`} + ` +
      `ledger export to certificates_mappings.json ${seconds(job.ledgerExportMs)} + Excel report ` +
      `${seconds(job.reportMs)} (${reportMb} MB)`
    );
  });
  return `Where the job's time goes — ${parts.join("; ")}.`;
}

function describeCpu(measured: ReadonlyMap<number, Measurement[]>, sizes: readonly number[]): string {
  const parts = sizes.map((size) => {
    const m = measured.get(size)?.[0];
    if (m === undefined) return `${count(size)}: no result`;
    const perThousand = (cpuMs: number | null | undefined, items: number | undefined) =>
      cpuMs === null || cpuMs === undefined || items === undefined || items === 0
        ? "?"
        : `${((cpuMs * 1000) / items).toFixed(0)} ms`;
    const share = (cpuMs: number | null | undefined, wallMs: number | undefined) =>
      cpuMs === null || cpuMs === undefined || wallMs === undefined || wallMs <= 0
        ? "?"
        : `${((cpuMs / wallMs) * 100).toFixed(0)} %`;
    const server = (counters: ServerCounters, items: number | undefined) =>
      `${items === undefined || items === 0 ? "?" : (counters.statements / items).toFixed(2)} statements per ` +
      `certificate, ${count(counters.fsyncs)} fsyncs, ${count(counters.diskReads)} buffer-pool misses`;
    return (
      `${count(size)}: job process ${perThousand(m.job?.cpuMs, m.job?.processed)} ` +
      `(${share(m.job?.cpuMs, m.job?.elapsedMs)} of one core over the call), MariaDB during the job case ` +
      `${perThousand(m.jobServerCpuMs, m.job?.processed)} (${server(m.jobServer, m.job?.processed)}); baseline ` +
      `process ${perThousand(m.raw?.cpuMs, m.raw?.certificates)}, MariaDB during the baseline case ` +
      `${perThousand(m.rawServerCpuMs, m.raw?.certificates)} (${server(m.rawServer, m.raw?.certificates)})`
    );
  });
  return (
    "CPU time per 1,000 certificates (user + system; MariaDB's read from /proc over the whole case, so it " +
    "includes connecting and, for the baseline, reading the rows back) and what MariaDB was asked to do " +
    `(its Questions and InnoDB counters over the case) — ${parts.join("; ")}. The case process and MariaDB ` +
    "share the machine's two cores with each other and with other work."
  );
}

function describeRss(measured: ReadonlyMap<number, Measurement[]>, small: number, large: number): string {
  const heap = (value: number | null | undefined) =>
    value === null || value === undefined ? "?" : `${value.toFixed(0)} MB`;
  const job = [small, large]
    .map((size) => {
      const m = measured.get(size)?.[0]?.job;
      const peaks = m?.memoryPeaksMb;
      const sampled = (peak: MemoryPeak | undefined) =>
        peak === undefined
          ? "?"
          : `V8 heap up to ${peak.heapTotal.toFixed(0)} MB reserved, Buffers outside it up to ` +
            `${peak.external.toFixed(0)} MB`;
      return (
        `at ${count(size)}: ${megabytes(m?.startRssMb)} connected before the call; ` +
        `${megabytes(m?.peakRssAfterFirstGroupMb)} by the first group (caches loaded; ` +
        `${heap(m?.heapAfterFirstGroupMb)} of live heap after a forced full GC); ` +
        `${megabytes(m?.peakRssAfterLastGroupMb)} by the last group (${sampled(peaks?.migrating)}; ` +
        `live heap after a forced full GC ${heap(m?.heapAfterLastGroupMb)}); ` +
        `${megabytes(peakOf(measured.get(size) ?? [], "job"))} at the end, after the ledger export and the ` +
        `report (${sampled(peaks?.finishing)})`
      );
    })
    .join("; ");
  const raw = [small, large]
    .map(
      (size) =>
        `${megabytes(peakOf(measured.get(size) ?? [], "raw"))} at ${count(size)} ` +
        `(${megabytes(measured.get(size)?.[0]?.raw?.startRssMb)} with all rows loaded)`,
    )
    .join(", ");
  const gcMs = [small, large]
    .map((size) => measured.get(size)?.[0]?.job?.diagnosticGcMs ?? 0)
    .reduce((a, b) => Math.max(a, b), 0);
  return (
    `The job's peak RSS (maxRSS, read in the case process as it went) — ${job}. What the job keeps alive ` +
    "(live heap) is what to compare across sizes; the V8 heap reserved beyond it is garbage not yet collected, " +
    "and memory outside the heap is Buffers (sockets, files, the report's zip stream). The two diagnostic " +
    "forced GCs took " +
    `at most ${gcMs.toFixed(0)} ms per run, inside the timed call. The baseline's peak RSS: ${raw}; it holds ` +
    "every row it inserts in memory before its timed section, so its RSS grows with the size and is no " +
    "reference for the job's."
  );
}
