import { describe, expect, it } from "vitest";
import { PendingFileEncoder } from "./pending-file-encoder.js";
import { formatPendingFile, type PendingRow } from "./pending-file-format.js";

const row = (overrides: Partial<PendingRow> = {}): PendingRow => ({
  ct_entry: '{"leaf_input": "AAAA", "extra_data": "AAAA"}',
  ct_log_url: "https://ct.cloudflare.com/logs/nimbus2026/",
  log_name: "nimbus2026",
  worker_name: "ponk-doki-5230",
  ct_index: "102699",
  ip_address: null,
  ...overrides,
});

function formatted(rows: readonly PendingRow[]): Buffer {
  const text = formatPendingFile(rows);
  if (!text.ok) throw new Error(text.error.message);
  return Buffer.from(text.value, "utf8");
}

describe("PendingFileEncoder", () => {
  it("gives byte for byte the UTF-8 of formatPendingFile, for every kind of character", () => {
    const rows = [
      row(),
      row({ ct_entry: '{"leaf_input":"AA\\u00e9==","extra_data":"\\\\"}', ip_address: "192.0.2.7" }),
      row({
        worker_name: "wörker-日本-😀",
        log_name: "tab\there\nnewline\u0001",
        ct_index: "18446744073709551615",
      }),
      row({ ct_entry: "lone surrogate \ud800 and \u2028", ct_index: 12 }),
    ];
    const encoder = new PendingFileEncoder();
    const bytes = encoder.encode(rows);
    expect(bytes.ok && Buffer.compare(bytes.value, formatted(rows))).toBe(0);
    const empty = encoder.encode([]);
    expect(empty.ok && empty.value.toString("utf8")).toBe("[]");
  });

  it("gives the same bytes when ct_entry comes as its UTF-8 bytes (as read from MySQL/MariaDB)", () => {
    const rows = [
      row(),
      row({ ct_entry: '{"a":"\\/","b":"\n"}' }),
      row({ ct_entry: "日本 😀 é \u0001 \u2028" }),
      row({ ct_entry: "" }),
    ];
    const asBytes = rows.map((r) => ({ ...r, ct_entry: Buffer.from(`..${r.ct_entry}`, "utf8").subarray(2) }));
    const bytes = new PendingFileEncoder().encode(asBytes);
    expect(bytes.ok && Buffer.compare(bytes.value, formatted(rows))).toBe(0);
  });

  it("grows its buffer for a batch bigger than the last and still matches", () => {
    const encoder = new PendingFileEncoder();
    const small = [row()];
    const big = Array.from({ length: 300 }, (_, i) =>
      row({ ct_entry: `{"leaf_input":"${"A".repeat(4000)}","extra_data":"${i}"}`, ct_index: String(i) }),
    );
    for (const rows of [small, big, small, big]) {
      const bytes = encoder.encode(rows);
      expect(bytes.ok && Buffer.compare(bytes.value, formatted(rows))).toBe(0);
    }
  });

  it("refuses a ct_index that is not an exact integer, as formatPendingFile does", () => {
    const result = new PendingFileEncoder().encode([row(), row({ ct_index: 2 ** 60 })]);
    expect(!result.ok && result.error.code).toBe("DATA_ERROR");
    expect(!result.ok && result.error.details?.["position"]).toBe(1);
  });
});
