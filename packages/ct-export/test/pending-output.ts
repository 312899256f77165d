import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PENDING_FILE_NAME } from "../src/index.js";
import type { CertRowData } from "../src/testing/index.js";

/** One entry read back from an output file, ct_index kept as the digits written. */
export interface OutputEntry {
  readonly file: string;
  readonly ct_entry: string;
  readonly ct_log_url: string;
  readonly log_name: string;
  readonly worker_name: string;
  readonly ct_index: string;
  readonly ip_address: string | null;
}

/** What an output directory holds besides its pending files. */
export interface OutputDirectory {
  readonly entries: OutputEntry[];
  readonly files: string[];
  /** Names that are neither pending files nor the journal directory (temp files, strays). */
  readonly others: string[];
  readonly journal: string[];
}

/** Reads every pending file; ct_index digits are taken from the text, since JSON.parse rounds above 2^53. */
export function readOutput(dir: string): OutputDirectory {
  const names = readdirSync(dir).sort();
  const files = names.filter((name) => name.endsWith(".json"));
  const others = names.filter((name) => !name.endsWith(".json") && name !== ".journal");
  const journal = names.includes(".journal") ? readdirSync(path.join(dir, ".journal")) : [];
  const entries: OutputEntry[] = [];
  for (const file of files) {
    if (!PENDING_FILE_NAME.test(file)) throw new Error(`unexpected file name ${file}`);
    const text = readFileSync(path.join(dir, file), "utf8");
    const parsed = JSON.parse(text) as Omit<OutputEntry, "file" | "ct_index">[];
    // `"ct_index": ` cannot occur inside a JSON string value (its quotes would be escaped there).
    const digits = [...text.matchAll(/"ct_index": (-?\d+),\n/g)].map((m) => m[1] ?? "");
    if (digits.length !== parsed.length)
      throw new Error(`${file}: ${digits.length} ct_index for ${parsed.length} rows`);
    // The layout must be exactly JSON.stringify(rows, null, 2), with ct_index as a bare number.
    const placeholders = parsed.map((entry, i) => ({ ...entry, ct_index: `@ct_index_${i}@` }));
    const expected = JSON.stringify(placeholders, null, 2).replace(
      /"@ct_index_(\d+)@"/g,
      (_, i: string) => digits[Number(i)] ?? "",
    );
    if (text !== expected) throw new Error(`${file} is not laid out as JSON.stringify(rows, null, 2)`);
    parsed.forEach((entry, i) => entries.push({ ...entry, file, ct_index: digits[i] ?? "" }));
  }
  return { entries, files, others, journal };
}

/** The identity of a generated or exported row. */
export function rowKey(row: { log_name: string; ct_index: string }): string {
  return `${row.log_name}#${row.ct_index}`;
}

/**
 * Asserts exactly-once delivery: every seeded row appears in exactly one file exactly once, with all fields
 * (ct_entry byte for byte) equal, nothing else appears, and rows within a file are in id (= seed) order.
 * Returns a description of the first violation, or null.
 */
export function exactlyOnceViolation(
  seeded: readonly CertRowData[],
  output: OutputDirectory,
  withIpAddress: boolean,
): string | null {
  const position = new Map<string, number>();
  seeded.forEach((row, i) => position.set(rowKey(row), i));
  const seen = new Map<string, string>();
  const lastInFile = new Map<string, number>();
  for (const entry of output.entries) {
    const key = rowKey(entry);
    const index = position.get(key);
    if (index === undefined) return `${entry.file} holds a row that was never seeded: ${key}`;
    const previous = seen.get(key);
    if (previous !== undefined) return `${key} appears twice: in ${previous} and ${entry.file}`;
    seen.set(key, entry.file);
    const row = seeded[index];
    if (row === undefined) return `no seeded row ${index}`;
    if (entry.ct_entry !== row.ct_entry) return `${key}: ct_entry differs`;
    if (entry.ct_log_url !== row.ct_log_url || entry.worker_name !== row.worker_name)
      return `${key}: fields differ`;
    const ip = withIpAddress ? row.ip_address : null;
    if (entry.ip_address !== ip) return `${key}: ip_address ${entry.ip_address} instead of ${ip}`;
    const last = lastInFile.get(entry.file) ?? -1;
    if (index <= last) return `${entry.file}: rows out of id order (seed row ${index} after ${last})`;
    lastInFile.set(entry.file, index);
  }
  if (seen.size !== seeded.length) return `${seeded.length - seen.size} seeded rows are in no file`;
  return null;
}
