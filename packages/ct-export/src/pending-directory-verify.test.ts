import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyPendingDirectory } from "./pending-directory-verify.js";
import { writePendingFile } from "./pending-file-writer.js";
import { generateCertRows, type CertRowData } from "./testing/index.js";

let rows: CertRowData[];

beforeAll(async () => {
  rows = await generateCertRows({ seed: "verify", count: 20, distinctEntries: 10, precertRatio: 0.5 });
});

describe("verifyPendingDirectory", () => {
  it("counts good entries per log and entry type, and names each bad file and entry", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ct-verify-"));
    const good = await writePendingFile(dir, rows.slice(0, 12), { random: () => 0.1 });
    expect(good.ok).toBe(true);
    const broken = rows
      .slice(12)
      .map((r) => ({ ...r, ct_index: Number(r.ct_index) > 2 ** 53 ? 1 : Number(r.ct_index) }));
    const first = broken[0];
    if (first === undefined) throw new Error("no rows");
    broken[0] = { ...first, ct_entry: '{"leaf_input":"AAAA","extra_data":"AAAA"}' };
    writeFileSync(
      path.join(dir, "upload_failure_20250101_000000_2000.json"),
      JSON.stringify(broken, null, 2),
    );
    writeFileSync(path.join(dir, "upload_failure_20250101_000000_3000.json"), "[{");
    writeFileSync(path.join(dir, "upload_failure_20250101_000000_4000.json"), '{"not":"an array"}');
    // Neither a temp file nor another extension is the uploader's business.
    writeFileSync(path.join(dir, ".ct-export-x.tmp"), "[{");
    writeFileSync(path.join(dir, "notes.txt"), "hello");

    const report = await verifyPendingDirectory(dir);
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.files).toBe(4);
    expect(report.value.entries).toBe(20);
    const expectedPerLog: Record<string, number> = {};
    for (const r of rows.slice(0, 12).concat(rows.slice(13))) {
      expectedPerLog[r.log_name] = (expectedPerLog[r.log_name] ?? 0) + 1;
    }
    expect(report.value.byLog).toEqual(expectedPerLog);
    expect(report.value.byEntryType.x509_entry + report.value.byEntryType.precert_entry).toBe(19);
    expect(report.value.problems).toEqual([
      {
        file: "upload_failure_20250101_000000_2000.json",
        position: 0,
        logName: first.log_name,
        message: expect.stringMatching(/leaf_input is malformed/) as unknown as string,
      },
      {
        file: "upload_failure_20250101_000000_3000.json",
        position: null,
        logName: null,
        message: "The file is not valid JSON.",
      },
      {
        file: "upload_failure_20250101_000000_4000.json",
        position: null,
        logName: null,
        message: "The file is not a JSON array of entries.",
      },
    ]);
  });

  it("fails with a FILE_ERROR when the directory does not exist", async () => {
    const report = await verifyPendingDirectory(path.join(tmpdir(), "ct-verify-missing-dir-x"));
    expect(!report.ok && report.error.code).toBe("FILE_ERROR");
  });
});
