import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ExportJournal, JOURNAL_DIR, tempFileName, type JournalEntry } from "./export-journal.js";
import { batchId, endJournalOwner, newJournalOwner, type JournalOwner } from "./journal-owner.js";

const MIB = 1024 * 1024;
/** Ids per entry: about 10 KB a line, so a little over a hundred lines pass the 1 MiB rotation size. */
const IDS_PER_ENTRY = 1000;

const opened: ExportJournal[] = [];
const owners: JournalOwner[] = [];

afterEach(async () => {
  for (const journal of opened.splice(0)) await journal.close();
  for (const owner of owners.splice(0)) endJournalOwner(owner);
});

async function openJournal(outputDir: string): Promise<ExportJournal> {
  const journal = await ExportJournal.open(outputDir);
  opened.push(journal);
  return journal;
}

function newOwner(): JournalOwner {
  const owner = newJournalOwner();
  owners.push(owner);
  return owner;
}

/** Records batch `n` the way the exporter does: its temp file exists (here, unpublished) and its line is logged. */
async function recordBatch(journal: ExportJournal, owner: JournalOwner, n: number): Promise<JournalEntry> {
  const batch = batchId(owner, n);
  const ids = Array.from({ length: IDS_PER_ENTRY }, (_, i) => String(1_000_000 + n * IDS_PER_ENTRY + i));
  const entry: JournalEntry = {
    version: 2,
    batch,
    owner,
    temp: tempFileName(batch),
    file: `upload_failure_20260101_000000_${String(n).padStart(4, "0")}.json`,
    ids,
  };
  writeFileSync(path.join(journal.outputDir, entry.temp), "[]");
  await journal.record(entry);
  return entry;
}

function logFiles(outputDir: string): string[] {
  return readdirSync(path.join(outputDir, JOURNAL_DIR))
    .filter((name) => name.endsWith(".ids"))
    .sort();
}

/** Size of the one log in the journal (0 before the first entry). */
function currentLogBytes(outputDir: string): number {
  const [name] = logFiles(outputDir);
  return name === undefined ? 0 : statSync(path.join(outputDir, JOURNAL_DIR, name)).size;
}

function loggedBatches(outputDir: string, name: string): string[] {
  return readFileSync(path.join(outputDir, JOURNAL_DIR, name), "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => (JSON.parse(line) as JournalEntry).batch);
}

describe("ExportJournal's run log", () => {
  it("starts a new log past 1 MiB that carries over exactly the open entries, and drops the old one", async () => {
    const outputDir = mkdtempSync(path.join(tmpdir(), "ct-journal-"));
    const journal = await openJournal(outputDir);
    const owner = newOwner();
    const open: JournalEntry[] = [];
    let n = 0;
    // Fill the first log past the rotation size; every tenth batch stays open (published, delete pending).
    while (currentLogBytes(outputDir) <= MIB) {
      const entry = await recordBatch(journal, owner, n);
      if (n % 10 === 0) open.push(entry);
      else await journal.settle(entry);
      n += 1;
    }
    const [firstLog] = logFiles(outputDir);
    expect(firstLog).toMatch(/~1\.ids$/);

    const next = await recordBatch(journal, owner, n);

    const logs = logFiles(outputDir);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/~2\.ids$/);
    expect(loggedBatches(outputDir, logs[0] ?? "")).toEqual([...open, next].map((entry) => entry.batch));
    expect(statSync(path.join(outputDir, JOURNAL_DIR, logs[0] ?? "")).size).toBeLessThan(MIB / 2);
  });

  it("keeps every open entry visible to other exporters across the switch, and to reconciling once the run ends", async () => {
    const outputDir = mkdtempSync(path.join(tmpdir(), "ct-journal-"));
    const journal = await openJournal(outputDir);
    const other = await openJournal(outputDir);
    const owner = newOwner();
    const first = await recordBatch(journal, owner, 0);
    // Another exporter has read the first log before it is replaced.
    expect([...(await other.coveredIds(first.ids.slice(0, 3)))]).toEqual(first.ids.slice(0, 3));

    let n = 1;
    let last: JournalEntry = first;
    while (logFiles(outputDir).some((name) => name.endsWith("~1.ids"))) {
      last = await recordBatch(journal, owner, n);
      await journal.settle(last);
      n += 1;
    }
    const settledIds = last.ids.slice(0, 3);
    expect(await other.coveredIds([...first.ids, ...settledIds])).toEqual(new Set(first.ids));

    // The run ends with the first batch still open (its delete never committed): its log stays for the next run.
    await journal.close();
    endJournalOwner(owner);
    const orphans = await other.orphanedLogs();
    expect(orphans).toHaveLength(1);
    expect(orphans[0]?.name).toMatch(/~2\.ids$/);
    const [carried, ...rest] = orphans[0]?.entries ?? [];
    expect(carried).toEqual(first);
    // Lines of settled batches may stay in a log; their temp files are gone, so they ask nothing of anyone.
    expect(rest.map((entry) => entry.batch)).toEqual([last.batch]);
    expect(await other.state(last)).toBe("vanished");
    expect(await other.state(first)).toBe("unpublished");
  });
});
