import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  generateDataGroups,
  generateSigningKey,
  issueCertificate,
  issueCrl,
  issueDocumentSigner,
  signDocumentSecurityObject,
  simpleName,
} from "@certs/icao-sync/testing";
import pg from "pg";
import type { BenchContext, Benchmark, BenchRow } from "../benchmark.js";
import type { CheckCaseInput, CheckCaseResult, CheckPass } from "./check-case.js";
import { CACHE_DIR, ensureSyntheticPkd } from "./icao-sync-benchmark.js";
import { FULL_PKD_DSCS, syntheticPkdSpec } from "./synthetic-pkd.js";

const execFileAsync = promisify(execFile);
const CASE_FILE = fileURLToPath(new URL("./check-case.ts", import.meta.url));
/** The issue's size: 10,000 generated SODs. */
const FULL_SODS = 10_000;
/** SODs openssl is timed on (a process per document: 500 keep it to seconds). */
const OPENSSL_SAMPLE = 500;
const DSCS = 50;
const WARMUP = 50;
// Bumped when what is generated changes, so a cached set is not reused.
const DOCUMENTS_VERSION = 1;
const SIGNING_TIME = new Date("2025-06-01T12:00:00Z");
const CHECK_AT = "2025-07-01T00:00:00Z";

interface CheckDocuments {
  readonly sods: string;
  readonly csca: string;
  readonly crl: string;
  /** The first OPENSSL_SAMPLE SODs, one DER file each. */
  readonly sample: readonly string[];
  readonly cached: boolean;
}

/**
 * An operator CSCA (country UT) with DSCS DSCs and its CRL, and `count` bare CMS SODs signed by those DSCs
 * over their own generated data groups, ECDSA P-256 throughout; generated once and cached like the PKD.
 */
function ensureCheckDocuments(context: BenchContext, count: number): CheckDocuments {
  const dir = path.join(CACHE_DIR, `check-sods-v${DOCUMENTS_VERSION}-${count}`);
  const files = {
    sods: path.join(dir, "sods.bin"),
    csca: path.join(dir, "csca-ut.cer"),
    crl: path.join(dir, "csca-ut.crl"),
  };
  const sample = Array.from({ length: Math.min(OPENSSL_SAMPLE, count) }, (_, i) =>
    path.join(dir, "sample", `${String(i).padStart(4, "0")}.p7`),
  );
  if (existsSync(files.sods) && sample.every((file) => existsSync(file))) {
    context.log(`icao-sync-check: ${count.toLocaleString("en-US")} SODs cached at ${dir}`);
    return { ...files, sample, cached: true };
  }
  context.log(`icao-sync-check: generating ${count.toLocaleString("en-US")} SODs, once...`);
  mkdirSync(path.join(dir, "sample"), { recursive: true });
  const csca = issueCertificate({
    subject: simpleName(["C", "UT"], ["O", "Bench Operator"], ["CN", "CSCA UT bench"]),
    serialNumber: 0x7507n,
    notBefore: new Date("2020-01-01T00:00:00Z"),
    notAfter: new Date("2035-01-01T00:00:00Z"),
    key: generateSigningKey("ecdsa-p256"),
    subjectKeyIdentifier: Uint8Array.from([0x75, 0x74, 0x01]),
  });
  const dscs = Array.from({ length: DSCS }, (_, i) =>
    issueDocumentSigner({
      csca,
      country: "UT",
      serialNumber: BigInt(0x1000 + i),
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date("2026-01-01T00:00:00Z"),
    }),
  );
  // Serials the DSCs do not have: the lookup is real, no document is revoked.
  const crl = issueCrl(
    csca,
    Array.from({ length: 20 }, (_, i) => ({
      serialNumber: BigInt(0x9000 + i),
      revocationDate: new Date("2025-03-01T00:00:00Z"),
    })),
    { thisUpdate: new Date("2025-06-15T00:00:00Z"), nextUpdate: new Date("2025-09-15T00:00:00Z") },
  );
  const chunks: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const sod = signDocumentSecurityObject({
      dsc: dscs[i % DSCS] as (typeof dscs)[number],
      dataGroups: generateDataGroups(`check-bench-${i}`),
      signingTime: SIGNING_TIME,
      // Bare CMS: openssl reads exactly these bytes (an EF.SOD adds only the 0x77 tag and length).
      wrap: false,
    });
    const length = Buffer.alloc(4);
    length.writeUInt32BE(sod.length);
    chunks.push(length, Buffer.from(sod));
    const file = sample[i];
    if (file !== undefined) writeFileSync(file, sod);
  }
  writeFileSync(files.csca, csca.der);
  writeFileSync(files.crl, crl.der);
  // The SOD file last: its presence marks a complete generation.
  writeFileSync(`${files.sods}.tmp`, Buffer.concat(chunks));
  renameSync(`${files.sods}.tmp`, files.sods);
  return { ...files, sample, cached: false };
}

const opensslArgs = (file: string) => [
  "cms",
  "-verify",
  "-noverify",
  "-inform",
  "DER",
  "-in",
  file,
  "-out",
  "/dev/null",
];

/** openssl over `files`, in `processes` parallel sequences: wall ms and how many verified. */
async function timeOpenssl(
  files: readonly string[],
  processes: number,
): Promise<{ ms: number; ok: number; last: string }> {
  let ok = 0;
  let last = "";
  const started = performance.now();
  await Promise.all(
    Array.from({ length: processes }, async (_, lane) => {
      for (let i = lane; i < files.length; i += processes) {
        try {
          const result = await execFileAsync("openssl", opensslArgs(files[i] as string), {
            encoding: "utf8",
          });
          ok += 1;
          last = result.stderr.trim();
        } catch (error) {
          last = (error as { stderr?: string }).stderr?.trim() ?? String(error);
        }
      }
    }),
  );
  return { ms: performance.now() - started, ok, last };
}

async function withDatabase<T>(adminUrl: string, work: (url: string) => Promise<T>): Promise<T> {
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  const name = "icao_bench_check";
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await work(url.toString());
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

const rate = (documents: number, ms: number) => (ms > 0 ? (documents * 1000) / ms : 0);

/**
 * icao-sync-check: passive authentication (`verifyDocumentSecurityObject`, what `certs-icao-sync check` runs)
 * of 10,000 generated SODs against a PKD-sized store, on both cores, beside `openssl cms -verify -noverify`.
 */
export const icaoSyncCheckBenchmark: Benchmark = {
  name: "icao-sync-check",
  description:
    "`verifyDocumentSecurityObject` (what `certs-icao-sync check` and `POST /verify` run) on 10,000 generated " +
    "SODs against a store synced from the PKD-sized synthetic data (50,000 DSCs) plus an operator CSCA, on " +
    "one and on two worker threads, against `openssl cms -verify -noverify` on the same SODs in the same run.",
  method:
    "The store: one child process syncs the cached synthetic PKD (master list, LDIF, trust anchor) and an " +
    `operator CSCA (\`SyncInput.cscas\`, country UT) with its CRL into a fresh PostgreSQL database (untimed). The ` +
    `SODs: ${DSCS} ECDSA P-256 DSCs under that CSCA, each SOD over its own DG1, DG2 (4 KB) and DG14, SHA-256, ` +
    "bare CMS with the DSC embedded, generated once and cached. Timed in the same child: N worker threads, each " +
    `with its own pg pool (2 connections) and TrustStoreReader, check every N-th SOD after ${WARMUP} untimed ` +
    "ones (caches filled), from one start signal to the last thread done: SOD signature, CSCA lookup and DSC " +
    "signature, validity, CRL lookup, deviation lookup. Baseline: `openssl cms -verify -noverify -inform DER " +
    `-in FILE -out /dev/null\` spawned from the harness on the first ${OPENSSL_SAMPLE} SODs, one process at a ` +
    "time and two at a time (whole process: start-up, parse, SOD signature; no chain), per-document rate. " +
    "Ratio: the check's documents per second over openssl's with the same parallelism.",
  run,
};

async function run(context: BenchContext): Promise<BenchRow[]> {
  const count = context.size === undefined ? FULL_SODS : Math.min(FULL_SODS, context.size);
  const spec = syntheticPkdSpec(context.size ?? FULL_PKD_DSCS);
  const pkd = await ensureSyntheticPkd(context, spec);
  const documents = ensureCheckDocuments(context, count);
  const server = await context.server("postgres");

  context.log(`icao-sync-check: loading the store and checking ${count.toLocaleString("en-US")} SODs...`);
  const outcome = await withDatabase(server.adminUrl, (url) =>
    context.runCase<CheckCaseResult>({
      file: CASE_FILE,
      input: {
        url,
        sources: {
          masterLists: [pkd.files.masterList],
          ldif: [pkd.files.ldif],
          trustAnchors: [pkd.files.trustAnchor],
          cscas: [documents.csca],
          crls: [documents.crl],
        },
        sodFile: documents.sods,
        at: CHECK_AT,
        threads: [1, 2],
        warmup: WARMUP,
      } satisfies CheckCaseInput,
      timeoutMs: 15 * 60_000,
    }),
  );

  const version = spawnSync("openssl", ["version"], { encoding: "utf8" });
  const haveOpenssl = version.status === 0;
  const rows: BenchRow[] = [];
  const baselines = new Map<number, string>();
  if (haveOpenssl) {
    context.note(`Baseline tool: ${version.stdout.trim()}.`);
    for (const processes of [1, 2]) {
      context.log(`  openssl on ${documents.sample.length} SODs, ${processes} at a time...`);
      const timed = await timeOpenssl(documents.sample, processes);
      const name = `openssl cms -verify -noverify, ${processes === 1 ? "one process at a time" : "two processes at a time"}`;
      baselines.set(processes, name);
      rows.push({
        case: name,
        size: documents.sample.length,
        throughput: rate(timed.ok, timed.ms),
        unit: "docs/s",
        peakRssMb: null,
        baseline: null,
        ratio: null,
        remark:
          `${(timed.ms / 1000).toFixed(2)} s for ${documents.sample.length} SODs, ${timed.ok} verified` +
          (timed.ok === documents.sample.length ? "" : ` (last message: ${timed.last})`),
      });
    }
  } else {
    context.note("`openssl` is not on PATH: the check has no baseline.");
  }

  const result = outcome.result;
  const passes: readonly CheckPass[] = result?.passes ?? [];
  if (result === null || result.error !== undefined || passes.length === 0) {
    rows.push({
      case: "verifyDocumentSecurityObject",
      size: count,
      throughput: 0,
      unit: "docs/s",
      peakRssMb: outcome.peakRssMb,
      baseline: null,
      ratio: null,
      target: { description: "a result", met: false },
      remark:
        result?.error ?? `the case exited (${outcome.signal ?? outcome.exitCode}): ${outcome.stderrTail}`,
    });
    return rows;
  }
  context.note(
    `The store (${Object.entries(result.rows)
      .map(([table, n]) => `${table} ${n.toLocaleString("en-US")}`)
      .join(", ")}) was synced in ${(result.loadMs / 1000).toFixed(1)} s before the timed passes; the SODs ` +
      (documents.cached ? "were generated by an earlier run and reused." : "were generated in this run."),
  );
  for (const pass of passes) {
    const throughput = rate(pass.documents, pass.elapsedMs);
    const baselineName = baselines.get(pass.threads) ?? null;
    const baseline = rows.find((r) => r.case === baselineName);
    const allValid = pass.valid === pass.documents;
    rows.push({
      case: `verifyDocumentSecurityObject, ${pass.threads === 1 ? "one thread" : `${pass.threads} threads`}`,
      size: pass.documents,
      throughput,
      unit: "docs/s",
      peakRssMb: outcome.peakRssMb,
      baseline: baselineName,
      ratio: baseline === undefined || baseline.throughput <= 0 ? null : throughput / baseline.throughput,
      target: { description: "every document valid", met: allValid },
      remark:
        `${(pass.elapsedMs / 1000).toFixed(2)} s for ${pass.documents.toLocaleString("en-US")} SODs, ` +
        `${pass.valid.toLocaleString("en-US")} valid` +
        (pass.problems.length === 0 ? "" : `; problems: ${pass.problems.join(" | ")}`) +
        (baseline === undefined ? "" : `; openssl timed on ${baseline.size} of the same SODs`),
    });
  }
  if (count !== FULL_SODS) {
    context.note(
      `Scaled run: ${count.toLocaleString("en-US")} SODs instead of ${FULL_SODS.toLocaleString("en-US")}.`,
    );
  }
  return rows;
}
