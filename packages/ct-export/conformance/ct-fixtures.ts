import { readFileSync } from "node:fs";
import path from "node:path";

/** One real CT entry from the shared fixtures, with the log fields a `certs` row needs. */
export interface FixtureEntry {
  readonly source: string;
  readonly ct_entry: string;
  readonly ct_log_url: string;
  readonly log_name: string;
  readonly worker_name: string;
  readonly ct_index: string;
}

/** The shared CT fixture directory (the root vitest config always sets CERTS_FIXTURES_DIR). */
export function ctFixturesDir(): string {
  const base = process.env["CERTS_FIXTURES_DIR"];
  if (base === undefined)
    throw new Error("CERTS_FIXTURES_DIR is not set; run through the root vitest config");
  return path.join(base, "ct");
}

/** The real export file's text and the rows parsed from it. */
export const EXPORT_FILE = "export_certs_model_12_to_143.json";
export const UPLOAD_FAILURE_FILE = "upload_failure2_20250922_235416_9689.json";

const GET_ENTRIES: readonly { file: string; log_name: string; ct_log_url: string; firstIndex: number }[] = [
  {
    file: "get-entries_trustasia_log2024_66956122-66956153.json",
    log_name: "log2024",
    ct_log_url: "https://ct2024.trustasia.com/log2024/",
    firstIndex: 66956122,
  },
  {
    file: "get-entries_google_xenon2025h1_1500700-1500799.json",
    log_name: "xenon2025h1",
    ct_log_url: "https://ct.googleapis.com/logs/eu1/xenon2025h1/",
    firstIndex: 1500700,
  },
  {
    file: "get-entries_no-common-name.json",
    log_name: "unknown_log",
    ct_log_url: "https://example.com/unknown/",
    firstIndex: 1,
  },
  {
    file: "get-entries_ctgo_logclient_test.json",
    log_name: "ctgo_test",
    ct_log_url: "https://example.com/ctgo/",
    firstIndex: 100,
  },
];

interface ExportedRow {
  ct_entry: string;
  ct_log_url: string;
  log_name: string;
  worker_name: string;
  ct_index: number;
}

/** Reads a fixture file as text. */
export function fixtureText(name: string): string {
  return readFileSync(path.join(ctFixturesDir(), name), "utf8");
}

/**
 * All 46 real entries: 32 rows of the original export, 1 upload-failure row (with their real log fields),
 * and 13 raw `get-entries` elements, to which log fields are assigned here (index = position in the file).
 */
export function loadFixtureEntries(): FixtureEntry[] {
  const entries: FixtureEntry[] = [];
  for (const file of [EXPORT_FILE, UPLOAD_FAILURE_FILE]) {
    const rows = JSON.parse(fixtureText(file)) as ExportedRow[];
    for (const row of rows) {
      entries.push({
        source: file,
        ct_entry: row.ct_entry,
        ct_log_url: row.ct_log_url,
        log_name: row.log_name,
        worker_name: row.worker_name,
        ct_index: String(row.ct_index),
      });
    }
  }
  for (const log of GET_ENTRIES) {
    const parsed = JSON.parse(fixtureText(log.file)) as {
      entries: { leaf_input: string; extra_data: string }[];
    };
    parsed.entries.forEach((element, position) => {
      entries.push({
        source: log.file,
        ct_entry: JSON.stringify({ leaf_input: element.leaf_input, extra_data: element.extra_data }),
        ct_log_url: log.ct_log_url,
        log_name: log.log_name,
        worker_name: "fixture-worker",
        ct_index: String(log.firstIndex + position),
      });
    });
  }
  return entries;
}
