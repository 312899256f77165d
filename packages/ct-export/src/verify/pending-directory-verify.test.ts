import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writePendingFile } from "../pending-file-writer.js";
import { alterLeafInput, ISSUER_KEY_HASH_OFFSET } from "../testing/altered-entries.js";
import { generateCertRows, type CertRowData } from "../testing/index.js";
import { verifyPendingDirectory, verifyPendingFiles } from "./pending-directory-verify.js";

let rows: CertRowData[];

beforeAll(async () => {
  rows = await generateCertRows({ seed: "verify", count: 20, distinctEntries: 20, precertRatio: 0.5 });
});

const scratch = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));
/** Rows as JSON can hold them (a ct_index above 2^53 would be rounded, which verify does not care about). */
const asJsonRows = (list: readonly CertRowData[]) =>
  list.map((r) => ({ ...r, ct_index: Number(r.ct_index) > 2 ** 53 ? 1 : Number(r.ct_index) }));
const elementOf = (row: CertRowData) =>
  JSON.parse(row.ct_entry) as { leaf_input: string; extra_data: string };
const precertRow = () => {
  const found = rows.find((r) => Buffer.from(elementOf(r).leaf_input, "base64").readUInt16BE(10) === 1);
  if (found === undefined) throw new Error("no precert row");
  return found;
};

describe("verifyPendingDirectory", () => {
  it("counts files and entries separately, per log and entry type, and names each bad file and entry", async () => {
    const dir = scratch("ct-verify-");
    const good = await writePendingFile(dir, rows.slice(0, 12), { random: () => 0.1 });
    expect(good.ok).toBe(true);
    const broken = asJsonRows(rows.slice(12));
    const first = broken[0];
    if (first === undefined) throw new Error("no rows");
    broken[0] = { ...first, ct_entry: '{"leaf_input":"AAAA","extra_data":"AAAA"}' };
    writeFileSync(
      path.join(dir, "upload_failure_20250101_000000_2000.json"),
      JSON.stringify(broken, null, 2),
    );
    writeFileSync(path.join(dir, "upload_failure_20250101_000000_3000.json"), "[{");
    writeFileSync(path.join(dir, "upload_failure_20250101_000000_4000.json"), '{"not":"an entry"}');
    // Neither a temp file nor another extension is the uploader's business.
    writeFileSync(path.join(dir, ".ct-export-x.tmp"), "[{");
    writeFileSync(path.join(dir, "notes.txt"), "hello");

    const report = await verifyPendingDirectory(dir);
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value).toMatchObject({
      files: 4,
      unreadableFiles: 2,
      filesWithBadEntries: 1,
      entries: 20,
      goodEntries: 19,
      badEntries: 1,
      duplicateEntries: 0,
      quarantined: [],
    });
    const expectedPerLog: Record<string, number> = {};
    for (const r of rows.slice(0, 12).concat(rows.slice(13))) {
      expectedPerLog[r.log_name] = (expectedPerLog[r.log_name] ?? 0) + 1;
    }
    expect(report.value.byLog).toEqual(expectedPerLog);
    expect(report.value.byEntryType.x509_entry + report.value.byEntryType.precert_entry).toBe(19);
    expect(report.value.problems).toEqual([
      {
        file: path.join(dir, "upload_failure_20250101_000000_2000.json"),
        position: 0,
        logName: first.log_name,
        kind: "decode",
        message: expect.stringMatching(/leaf_input is malformed/) as unknown as string,
      },
      {
        file: path.join(dir, "upload_failure_20250101_000000_3000.json"),
        position: null,
        logName: null,
        kind: "file",
        message: "The file is not valid JSON.",
      },
      {
        file: path.join(dir, "upload_failure_20250101_000000_4000.json"),
        position: null,
        logName: null,
        kind: "file",
        message: expect.stringMatching(/^The file is none of the known shapes/) as unknown as string,
      },
    ]);
    // Every entry has its RFC 6962 leaf hash, the bad one too (its leaf_input is base64).
    expect(report.value.checkedEntries).toHaveLength(20);
    expect(report.value.checkedEntries.every((e) => typeof e.leafHash === "string")).toBe(true);
  });

  it("reads get-entries responses, single entries, worker failure records and pending uploads", async () => {
    const dir = scratch("ct-shapes-");
    const [a, b, c, d] = rows;
    if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error("rows");
    writeFileSync(
      path.join(dir, "get-entries.json"),
      JSON.stringify({ entries: [elementOf(a), elementOf(b)] }),
    );
    writeFileSync(path.join(dir, "entry.json"), JSON.stringify(elementOf(c)));
    writeFileSync(
      path.join(dir, "failed_entry_x_1_ab.json"),
      JSON.stringify({
        entry: elementOf(d),
        log_name: d.log_name,
        ct_log_url: d.ct_log_url,
        ct_index: 1,
        worker_name: "w",
        error_message: "x",
        traceback: "",
        timestamp: 1,
      }),
    );
    writeFileSync(
      path.join(dir, "pending_upload_x.json"),
      JSON.stringify({ url: "http://127.0.0.1/api/worker/upload2", method: "POST", data: asJsonRows([a]) }),
    );
    const report = await verifyPendingDirectory(dir);
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value).toMatchObject({
      files: 4,
      unreadableFiles: 0,
      entries: 5,
      goodEntries: 5,
      badEntries: 0,
      byShape: {
        pending_file: 0,
        get_entries_response: 1,
        single_entry: 1,
        worker_failure_record: 1,
        worker_pending_upload: 1,
      },
    });
    expect(report.value.byLog["(none)"]).toBe(3);
    // Row a is both in the get-entries response and in the pending upload.
    expect(report.value.duplicateEntries).toBe(1);
    expect(report.value.duplicates).toEqual([
      {
        leafHash: expect.any(String) as unknown as string,
        occurrences: [
          { file: path.join(dir, "get-entries.json"), position: 0 },
          { file: path.join(dir, "pending_upload_x.json"), position: 0 },
        ],
      },
    ]);
  });

  it("counts and lists an entry found in two files", async () => {
    const dir = scratch("ct-dupes-");
    expect((await writePendingFile(dir, rows.slice(0, 3), { random: () => 0.1 })).ok).toBe(true);
    expect((await writePendingFile(dir, rows.slice(2, 5), { random: () => 0.2 })).ok).toBe(true);
    const report = await verifyPendingDirectory(dir);
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.entries).toBe(6);
    expect(report.value.goodEntries).toBe(6);
    expect(report.value.duplicateEntries).toBe(1);
    expect(report.value.duplicates[0]?.occurrences.map((o) => o.position)).toEqual([2, 0]);
  });

  it("--quarantine moves only the files with a bad entry, atomically, and keeps earlier quarantined files", async () => {
    const dir = scratch("ct-quarantine-");
    const quarantine = path.join(scratch("ct-quarantined-"), "bad");
    const good = await writePendingFile(dir, rows.slice(0, 4), { random: () => 0.1 });
    if (!good.ok) throw new Error(good.error.message);
    const altered = {
      ...precertRow(),
      ct_entry: alterLeafInput(precertRow().ct_entry, ISSUER_KEY_HASH_OFFSET),
    };
    const badName = "upload_failure_20250101_000000_5000.json";
    writeFileSync(
      path.join(dir, badName),
      JSON.stringify(asJsonRows([rows[5] ?? altered, altered]), null, 2),
    );
    writeFileSync(path.join(dir, "upload_failure_20250101_000000_6000.json"), "[{");
    mkdirSync(quarantine, { recursive: true });
    writeFileSync(path.join(quarantine, badName), "an earlier quarantined file");

    const report = await verifyPendingDirectory(dir, { quarantineDir: quarantine });
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.problems.map((p) => p.kind)).toEqual(["issuer_key_hash", "file"]);
    expect(report.value.quarantined).toEqual([
      {
        file: path.join(dir, badName),
        movedTo: path.join(quarantine, "upload_failure_20250101_000000_5000.1.json"),
        error: null,
      },
      {
        file: path.join(dir, "upload_failure_20250101_000000_6000.json"),
        movedTo: path.join(quarantine, "upload_failure_20250101_000000_6000.json"),
        error: null,
      },
    ]);
    expect(readdirSync(dir)).toEqual([path.basename(good.value.path)]);
    expect(readFileSync(path.join(quarantine, badName), "utf8")).toBe("an earlier quarantined file");
    const again = await verifyPendingDirectory(dir);
    expect(again.ok && again.value.badEntries + again.value.unreadableFiles).toBe(0);
  });

  it("--quarantine onto another file system copies durably, then removes the pending file", async () => {
    if (!existsSync("/dev/shm")) throw new Error("this test needs /dev/shm (tmpfs) as a second file system");
    const dir = scratch("ct-exdev-");
    const quarantine = mkdtempSync("/dev/shm/ct-quarantine-");
    const name = "upload_failure_20250101_000000_7000.json";
    const text = JSON.stringify(asJsonRows([{ ...rows[0]!, ct_entry: "{}" }]), null, 2);
    writeFileSync(path.join(dir, name), text);
    const report = await verifyPendingDirectory(dir, { quarantineDir: quarantine });
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.quarantined).toEqual([
      { file: path.join(dir, name), movedTo: path.join(quarantine, name), error: null },
    ]);
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(quarantine)).toEqual([name]);
    expect(readFileSync(path.join(quarantine, name), "utf8")).toBe(text);
  });

  it("refuses a quarantine directory that is the directory verified", async () => {
    const dir = scratch("ct-self-");
    const report = await verifyPendingDirectory(dir, { quarantineDir: `${dir}/.` });
    expect(!report.ok && report.error.code).toBe("VALIDATION_ERROR");
  });

  it("reads files named directly, whatever their name", async () => {
    const dir = scratch("ct-named-");
    const file = path.join(dir, "entries.txt");
    writeFileSync(file, JSON.stringify({ entries: rows.slice(0, 2).map(elementOf) }));
    const report = await verifyPendingFiles([file]);
    expect(report.ok && report.value.goodEntries).toBe(2);
  });

  it("fails with a FILE_ERROR when the directory does not exist", async () => {
    const report = await verifyPendingDirectory(path.join(tmpdir(), "ct-verify-missing-dir-x"));
    expect(!report.ok && report.error.code).toBe("FILE_ERROR");
  });
});
