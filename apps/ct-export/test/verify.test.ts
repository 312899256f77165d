import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateCertRows, generateCtEntries, type CertRowData } from "@certs/ct-export/testing";
import { runTypeScript } from "@certs/testdb";
import { beforeAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const run = (args: string[]) => runTypeScript(CLI, args, { env: { CERTS_LOG_LEVEL: "warn" } });
const scratch = (prefix: string) => mkdtemp(path.join(tmpdir(), prefix));

let rows: CertRowData[];

beforeAll(async () => {
  rows = await generateCertRows({ seed: "cli-verify", count: 36, distinctEntries: 36, precertRatio: 0.6 });
});

/** A pending file as the exporter writes it (ct_index kept below 2^53 so JSON.parse in the test is exact). */
async function writeRows(dir: string, name: string, list: readonly CertRowData[]): Promise<string> {
  const file = path.join(dir, name);
  const json = list.map((r) => ({ ...r, ct_index: Number(BigInt(r.ct_index) % 2n ** 40n) }));
  await writeFile(file, JSON.stringify(json, null, 2));
  return file;
}

/** The entry with the first byte of its issuer_key_hash changed (offset 12 of a precert's leaf_input). */
function withWrongIssuerKeyHash(row: CertRowData): CertRowData {
  const entry = JSON.parse(row.ct_entry) as { leaf_input: string; extra_data: string };
  const leaf = Buffer.from(entry.leaf_input, "base64");
  leaf[12] = (leaf[12] ?? 0) ^ 0xff;
  return { ...row, ct_entry: JSON.stringify({ ...entry, leaf_input: leaf.toString("base64") }) };
}

function isPrecert(row: CertRowData): boolean {
  const entry = JSON.parse(row.ct_entry) as { leaf_input: string };
  return Buffer.from(entry.leaf_input, "base64").readUInt16BE(10) === 1;
}

describe("certs-ct-export verify", () => {
  it("exit 0 for good entries; the summary counts files and entries apart", async () => {
    const dir = await scratch("ct-verify-ok-");
    await writeRows(dir, "upload_failure_20250101_000000_1000.json", rows.slice(0, 20));
    await writeRows(dir, "upload_failure_20250101_000000_2000.json", rows.slice(20));
    const outcome = await run(["verify", dir]);
    expect(outcome.stderr).toBe("");
    expect(outcome.code).toBe(0);
    expect(outcome.stdout.split("\n")[0]).toBe(
      "2 files (0 unreadable, 0 with bad entries), 36 entries (36 good, 0 bad), 0 duplicate entries",
    );
  });

  it("36 good entries and 5 unreadable files: 36 good entries, 5 unreadable files, exit 1", async () => {
    const dir = await scratch("ct-verify-unreadable-");
    for (let i = 0; i < 6; i += 1) {
      await writeRows(dir, `upload_failure_20250101_00000${i}_1000.json`, rows.slice(i * 6, i * 6 + 6));
    }
    for (let i = 0; i < 5; i += 1)
      await writeFile(path.join(dir, `upload_failure_20250102_00000${i}_1000.json`), "[{");
    const outcome = await run(["verify", dir]);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout.split("\n")[0]).toBe(
      "11 files (5 unreadable, 0 with bad entries), 36 entries (36 good, 0 bad), 0 duplicate entries",
    );
    expect(outcome.stdout.match(/^bad: .*: file: The file is not valid JSON\.$/gm)).toHaveLength(5);
  });

  it("exit 1 and the reason for an entry that fails a check; duplicates listed without failing", async () => {
    const dir = await scratch("ct-verify-bad-");
    const precert = rows.find(isPrecert);
    if (precert === undefined) throw new Error("no precert row");
    const bad = await writeRows(dir, "upload_failure_20250101_000000_3000.json", [
      rows[0] as CertRowData,
      withWrongIssuerKeyHash(precert),
    ]);
    await writeRows(dir, "upload_failure_20250101_000000_4000.json", rows.slice(0, 2));
    const outcome = await run(["verify", dir]);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout.split("\n")[0]).toBe(
      "2 files (0 unreadable, 1 with bad entries), 4 entries (3 good, 1 bad), 1 duplicate entries",
    );
    expect(outcome.stdout).toMatch(
      new RegExp(
        `^bad: ${bad.replace(/[.]/g, "\\.")}\\[1\\]: issuer_key_hash: issuer_key_hash [0-9a-f]{64} is not SHA-256`,
        "m",
      ),
    );
    expect(outcome.stdout).toMatch(/^duplicate: leaf hash \S+ in .*3000\.json\[0\], .*4000\.json\[0\]$/m);
  });

  it("--json gives each entry's RFC 6962 leaf hash, the shapes read and the duplicates", async () => {
    const dir = await scratch("ct-verify-json-");
    const entries = await generateCtEntries({ seed: "cli-json", count: 3, precertRatio: 0.5 });
    const elements = entries.map((e) => JSON.parse(e.ctEntry) as { leaf_input: string; extra_data: string });
    await writeFile(path.join(dir, "get-entries.json"), JSON.stringify({ entries: elements }));
    await writeFile(path.join(dir, "entry.json"), JSON.stringify(elements[0]));
    const outcome = await run(["verify", dir, "--json"]);
    expect(outcome.code).toBe(0);
    const report = JSON.parse(outcome.stdout) as {
      files: number;
      entries: number;
      goodEntries: number;
      duplicateEntries: number;
      byShape: Record<string, number>;
      checkedEntries: {
        file: string;
        position: number;
        leafHash: string;
        good: boolean;
        entryType: string;
      }[];
      duplicates: { leafHash: string; occurrences: { file: string; position: number }[] }[];
    };
    expect(report).toMatchObject({ files: 2, entries: 4, goodEntries: 4, duplicateEntries: 1 });
    expect(report.byShape).toMatchObject({ get_entries_response: 1, single_entry: 1 });
    const hashOf = (leafInput: string) =>
      createHash("sha256")
        .update(Buffer.concat([Buffer.from([0]), Buffer.from(leafInput, "base64")]))
        .digest("base64");
    const fromGetEntries = report.checkedEntries.filter((e) => e.file.endsWith("get-entries.json"));
    expect(fromGetEntries.map((e) => e.leafHash)).toEqual(elements.map((e) => hashOf(e.leaf_input)));
    expect(report.duplicates).toEqual([
      {
        leafHash: hashOf(elements[0]?.leaf_input ?? ""),
        occurrences: [
          { file: path.join(dir, "entry.json"), position: 0 },
          { file: path.join(dir, "get-entries.json"), position: 0 },
        ],
      },
    ]);
  });

  it("--quarantine moves only the files with bad entries out of the pending directory", async () => {
    const dir = await scratch("ct-verify-q-");
    const quarantine = path.join(await scratch("ct-verify-qdir-"), "quarantine");
    const precert = rows.find(isPrecert);
    if (precert === undefined) throw new Error("no precert row");
    const goodName = "upload_failure_20250101_000000_5000.json";
    await writeRows(dir, goodName, rows.slice(0, 10));
    const badText = await writeRows(dir, "upload_failure_20250101_000000_6000.json", [
      ...rows.slice(10, 12),
      withWrongIssuerKeyHash(precert),
    ]).then((file) => readFile(file, "utf8"));
    await writeFile(path.join(dir, "upload_failure_20250101_000000_7000.json"), "[{");

    const outcome = await run(["verify", dir, "--quarantine", quarantine]);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toContain(
      `quarantined: ${path.join(dir, "upload_failure_20250101_000000_6000.json")} -> ${path.join(quarantine, "upload_failure_20250101_000000_6000.json")}`,
    );
    expect((await readdir(dir)).sort()).toEqual([goodName]);
    expect((await readdir(quarantine)).sort()).toEqual([
      "upload_failure_20250101_000000_6000.json",
      "upload_failure_20250101_000000_7000.json",
    ]);
    expect(await readFile(path.join(quarantine, "upload_failure_20250101_000000_6000.json"), "utf8")).toBe(
      badText,
    );
    const after = await run(["verify", dir]);
    expect(after.code).toBe(0);
  });

  it("exit 2 when the quarantine directory is the pending directory", async () => {
    const dir = await scratch("ct-verify-same-");
    const outcome = await run(["verify", dir, "--quarantine", dir]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/^error: CONFIGURATION_ERROR: verify: The quarantine directory /);
  });
});
