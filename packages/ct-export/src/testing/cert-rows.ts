import { generateCtEntries, type GenerateCtEntriesOptions } from "./ct-entry-generator.js";
import { SeededRandom } from "./seeded-random.js";

/** One row of the `certs` table as tests insert it (`ct_index` a decimal string: it may exceed 2^53). */
export interface CertRowData {
  readonly ct_entry: string;
  readonly ct_log_url: string;
  readonly log_name: string;
  readonly worker_name: string;
  readonly ct_index: string;
  readonly ip_address: string | null;
}

/** How `generateCertRows` shapes its rows. */
export interface GenerateCertRowsOptions extends Omit<GenerateCtEntriesOptions, "count"> {
  readonly count: number;
  /**
   * Distinct certificates to make; rows reuse them round-robin (as one certificate is logged in several logs).
   * Default min(count, 64): certificate signing dominates generation time.
   */
  readonly distinctEntries?: number;
  /** Give most rows an `ip_address` (otherwise every row has null). Default false. */
  readonly withIpAddress?: boolean;
  /** Share of rows whose `ct_index` is above 2^53 (to prove no precision loss). Default 0.1. */
  readonly largeIndexRatio?: number;
}

/** A CT log as the collector knows it. */
export interface CtLogDescription {
  readonly name: string;
  readonly url: string;
}

/** Real log names and URLs (the indices generated for them are synthetic). */
export const CT_LOGS: readonly CtLogDescription[] = [
  { name: "nimbus2025", url: "https://ct.cloudflare.com/logs/nimbus2025/" },
  { name: "nimbus2026", url: "https://ct.cloudflare.com/logs/nimbus2026/" },
  { name: "wyvern2026h2", url: "https://wyvern.ct.digicert.com/2026h2/" },
  { name: "sphinx2026h1", url: "https://sphinx.ct.digicert.com/2026h1/" },
  { name: "xenon2025h1", url: "https://ct.googleapis.com/logs/eu1/xenon2025h1/" },
  { name: "argon2026h1", url: "https://ct.googleapis.com/logs/us1/argon2026h1/" },
  { name: "log2024", url: "https://ct2024.trustasia.com/log2024/" },
];

const WORKER_PARTS = ["ponk", "doki", "banana", "neko", "hoshi", "kumo", "tanuki", "sora", "mochi"];
const TWO_POW_53 = 9_007_199_254_740_992n;
const INT64_MAX = 9_223_372_036_854_775_807n;

/**
 * Generates `certs` rows from a seed: realistic entries, real log names and URLs, worker names, optional IP
 * addresses, and indices unique per log, some of them above 2^53 and near the BIGINT maximum.
 * (log_name, ct_index) identifies a row in output files, so tests can check exactly-once delivery.
 */
export async function generateCertRows(options: GenerateCertRowsOptions): Promise<CertRowData[]> {
  const distinct = Math.max(1, Math.min(options.count, options.distinctEntries ?? 64));
  const entries = await generateCtEntries({ ...options, count: distinct });
  const random = new SeededRandom(`cert-rows:${options.seed}`);
  const nextSmall = new Map<string, bigint>();
  const nextLarge = new Map<string, bigint>();
  for (const log of CT_LOGS) {
    nextSmall.set(log.name, BigInt(random.int(0, 2_000_000_000)));
    // Half the logs count up from just above 2^53, the other half from just below the BIGINT maximum.
    const large = random.chance(0.5) ? TWO_POW_53 + 1n : INT64_MAX - 10_000_000n;
    nextLarge.set(log.name, large + BigInt(random.int(0, 1_000_000)));
  }

  const rows: CertRowData[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const entry = entries[i % distinct];
    if (entry === undefined) throw new RangeError("no generated entry");
    const log = random.pick(CT_LOGS);
    const counters = random.chance(options.largeIndexRatio ?? 0.1) ? nextLarge : nextSmall;
    const index = counters.get(log.name) ?? 0n;
    counters.set(log.name, index + BigInt(random.int(1, 50)));
    rows.push({
      ct_entry: entry.ctEntry,
      ct_log_url: log.url,
      log_name: log.name,
      worker_name: workerName(random),
      ct_index: index.toString(),
      ip_address: options.withIpAddress === true ? ipAddress(random) : null,
    });
  }
  return rows;
}

function workerName(random: SeededRandom): string {
  if (random.chance(0.03)) return `さくら-ワーカー-${random.int(1, 99)}`;
  if (random.chance(0.3)) return `${random.pick(WORKER_PARTS)}${random.int(1, 9)}`;
  return `${random.pick(WORKER_PARTS)}-${random.pick(WORKER_PARTS)}-${random.int(1000, 9999)}`;
}

function ipAddress(random: SeededRandom): string | null {
  const roll = random.float();
  // Documentation ranges only (RFC 5737, RFC 3849): never a real host.
  if (roll < 0.75) return `${random.pick(["192.0.2", "198.51.100", "203.0.113"])}.${random.int(1, 254)}`;
  if (roll < 0.9) return `2001:db8::${random.int(1, 0xffff).toString(16)}`;
  return null;
}
