import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  formatPendingFile,
  verifyPendingDirectory,
  writePendingFile,
  type PendingRow,
} from "../src/index.js";
import { ctFixturesDir, EXPORT_FILE, fixtureText, UPLOAD_FAILURE_FILE } from "./ct-fixtures.js";

interface FileRow {
  ct_entry: string;
  ct_log_url: string;
  log_name: string;
  worker_name: string;
  ct_index: number;
  ip_address?: string | null;
}

function rowsOf(text: string): PendingRow[] {
  return (JSON.parse(text) as FileRow[]).map((row) => ({
    ct_entry: row.ct_entry,
    ct_log_url: row.ct_log_url,
    log_name: row.log_name,
    worker_name: row.worker_name,
    ct_index: String(row.ct_index),
    ip_address: row.ip_address ?? null,
  }));
}

describe("pending files compared with the original exporter's real output", () => {
  it("formats the 32 exported rows byte for byte as the original, plus the ip_address key", () => {
    const original = fixtureText(EXPORT_FILE);
    const expected = original.replace(/("ct_index": \d+)\n/g, '$1,\n    "ip_address": null\n');
    expect(expected.match(/"ip_address": null/g)).toHaveLength(32);
    const formatted = formatPendingFile(rowsOf(original));
    expect(formatted.ok && formatted.value).toBe(expected);
  });

  it("writes a file whose bytes equal the original's (with ip_address) and whose name fits the pattern", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ct-conformance-"));
    const original = fixtureText(EXPORT_FILE);
    const written = await writePendingFile(dir, rowsOf(original), {
      clock: () => new Date(2025, 8, 23, 12, 0, 5),
      random: () => 0.5,
    });
    if (!written.ok) throw new Error(written.error.message);
    expect(written.value.fileName).toBe("upload_failure_20250923_120005_5500.json");
    const bytes = readFileSync(written.value.path);
    const expected = Buffer.from(
      original.replace(/("ct_index": \d+)\n/g, '$1,\n    "ip_address": null\n'),
      "utf8",
    );
    expect(bytes.equals(expected)).toBe(true);
    expect(written.value.bytes).toBe(expected.length);
  });

  it("reproduces the older upload-failure file, which already had ip_address, exactly", () => {
    const original = fixtureText(UPLOAD_FAILURE_FILE);
    const formatted = formatPendingFile(rowsOf(original));
    expect(formatted.ok && formatted.value).toBe(original);
  });

  it("verifies the real pending files: 33 good entries, counted per log and per entry type", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ct-verify-"));
    for (const name of [EXPORT_FILE, UPLOAD_FAILURE_FILE]) {
      copyFileSync(path.join(ctFixturesDir(), name), path.join(dir, name));
    }
    const report = await verifyPendingDirectory(dir);
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.files).toBe(2);
    expect(report.value.entries).toBe(33);
    expect(report.value.problems).toEqual([]);
    expect(report.value.byEntryType).toEqual({ x509_entry: 6, precert_entry: 27 });
    const perLog: Record<string, number> = {};
    for (const name of [EXPORT_FILE, UPLOAD_FAILURE_FILE]) {
      for (const row of JSON.parse(fixtureText(name)) as FileRow[])
        perLog[row.log_name] = (perLog[row.log_name] ?? 0) + 1;
    }
    expect(report.value.byLog).toEqual(perLog);
  });
});
