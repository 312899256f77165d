import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatPendingFile, PENDING_FILE_NAME, type PendingRow } from "./pending-file-format.js";
import { writePendingFile } from "./pending-file-writer.js";

const row = (overrides: Partial<PendingRow> = {}): PendingRow => ({
  ct_entry: '{"leaf_input": "AAAA", "extra_data": "AAAA"}',
  ct_log_url: "https://ct.cloudflare.com/logs/nimbus2026/",
  log_name: "nimbus2026",
  worker_name: "ponk-doki-5230",
  ct_index: "102699",
  ip_address: null,
  ...overrides,
});

function freshDir(): string {
  return mkdtempSync(path.join(tmpdir(), "ct-writer-"));
}

/** Answers from a fixed list, then repeats the last. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
}

describe("formatPendingFile", () => {
  it("matches JSON.stringify(rows, null, 2) for ordinary rows, non-ASCII and control characters included", () => {
    const rows = [
      row(),
      row({ worker_name: "さくら-ワーカー-7", ct_index: "0", ip_address: "192.0.2.1" }),
      row({ ct_entry: 'tab\there "quote" \\ back\u0001slash\n/ü', ct_index: 9007199254740991 }),
    ];
    const formatted = formatPendingFile(rows);
    const asNumbers = rows.map((r) => ({ ...r, ct_index: Number(r.ct_index) }));
    expect(formatted.ok && formatted.value).toBe(JSON.stringify(asNumbers, null, 2));
    expect(formatPendingFile([]).ok && formatPendingFile([])).toEqual({ ok: true, value: "[]" });
  });

  it("writes ct_index above 2^53 with every digit", () => {
    const formatted = formatPendingFile([
      row({ ct_index: "9223372036854775807" }),
      row({ ct_index: 9007199254740993n }),
    ]);
    expect(formatted.ok && formatted.value).toContain('"ct_index": 9223372036854775807,\n');
    expect(formatted.ok && formatted.value).toContain('"ct_index": 9007199254740993,\n');
  });

  it("refuses a ct_index whose digits may already be lost or that is not an integer", () => {
    for (const ct_index of [2 ** 53 + 2, 1.5, "12a", "", "01"]) {
      const formatted = formatPendingFile([row({ ct_index })]);
      expect(formatted.ok).toBe(false);
      expect(!formatted.ok && formatted.error.code).toBe("DATA_ERROR");
    }
  });
});

describe("writePendingFile", () => {
  it("names the file from the local clock and a suffix in 1000-9999, and leaves no temp file", async () => {
    const dir = freshDir();
    const first = await writePendingFile(dir, [row()], {
      clock: () => new Date(2025, 0, 2, 3, 4, 5),
      random: () => 0,
    });
    const last = await writePendingFile(dir, [row()], {
      clock: () => new Date(2025, 11, 31, 23, 59, 59),
      random: () => 0.999999,
    });
    expect(first.ok && first.value.fileName).toBe("upload_failure_20250102_030405_1000.json");
    expect(last.ok && last.value.fileName).toBe("upload_failure_20251231_235959_9999.json");
    expect(readdirSync(dir).sort()).toEqual([
      "upload_failure_20250102_030405_1000.json",
      "upload_failure_20251231_235959_9999.json",
    ]);
    expect(readdirSync(dir).every((name) => PENDING_FILE_NAME.test(name))).toBe(true);
    expect(readFileSync(path.join(dir, "upload_failure_20250102_030405_1000.json"), "utf8")).toBe(
      JSON.stringify([{ ...row(), ct_index: 102699 }], null, 2),
    );
  });

  it("draws another suffix when the name is taken, leaving the existing file untouched", async () => {
    const dir = freshDir();
    const taken = path.join(dir, "upload_failure_20250923_120000_5500.json");
    writeFileSync(taken, "someone else's batch");
    const written = await writePendingFile(dir, [row()], {
      clock: () => new Date(2025, 8, 23, 12, 0, 0),
      random: sequence(0.5, 0.5, 0.25),
    });
    expect(written.ok && written.value.fileName).toBe("upload_failure_20250923_120000_3250.json");
    expect(readFileSync(taken, "utf8")).toBe("someone else's batch");
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it("gives up with a FILE_ERROR when every name it tries is taken, leaving nothing behind", async () => {
    const dir = freshDir();
    writeFileSync(path.join(dir, "upload_failure_20250923_120000_1000.json"), "x");
    const written = await writePendingFile(dir, [row()], {
      clock: () => new Date(2025, 8, 23, 12, 0, 0),
      random: () => 0,
      maxNameAttempts: 5,
    });
    expect(!written.ok && written.error.code).toBe("FILE_ERROR");
    expect(!written.ok && written.error.message).toMatch(/no free file name/);
    expect(readdirSync(dir)).toEqual(["upload_failure_20250923_120000_1000.json"]);
  });

  it("returns a FILE_ERROR naming the reason when the directory cannot hold files", async () => {
    const dir = freshDir();
    // A regular file where a directory should be: fails even for root, unlike permission bits.
    const notADirectory = path.join(dir, "plain-file");
    writeFileSync(notADirectory, "");
    const written = await writePendingFile(path.join(notADirectory, "out"), [row()]);
    expect(!written.ok && written.error.code).toBe("FILE_ERROR");
    expect(!written.ok && written.error.message).toMatch(/ENOTDIR|ENOENT/);
    expect(readdirSync(dir)).toEqual(["plain-file"]);
  });
});
