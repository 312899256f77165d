import { existsSync, linkSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ExportJournal, JOURNAL_DIR, tempFileName, type JournalEntry } from "./export-journal.js";
import { batchId, endJournalOwner, newJournalOwner, type JournalOwner } from "./journal-owner.js";

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

/** Batch `n` of `owner` as an older version logged it; its temp file exists (unpublished). */
function loggedBatch(outputDir: string, owner: JournalOwner, n: number): JournalEntry {
  const batch = batchId(owner, n);
  const entry: JournalEntry = {
    version: 2,
    batch,
    owner,
    temp: tempFileName(batch),
    file: `upload_failure_20260101_000000_${String(n).padStart(4, "0")}.json`,
    ids: [String(100 + n * 2), String(101 + n * 2)],
  };
  writeFileSync(path.join(outputDir, entry.temp), "[]");
  return entry;
}

/** Writes `owner`'s run log the way older versions appended it: a JSON line per batch. */
function writeLog(outputDir: string, owner: JournalOwner, text: string): string {
  const name = `${owner.host}~${owner.pid}~${owner.start}~${owner.run}~1.ids`;
  writeFileSync(path.join(outputDir, JOURNAL_DIR, name), text);
  return name;
}

const line = (entry: JournalEntry): string => `${JSON.stringify(entry)}\n`;

describe("ExportJournal, reading the run logs older versions wrote", () => {
  it("hands an ended run's complete lines to reconciling, skips a line cut short, and leaves a live run's log alone", async () => {
    const outputDir = mkdtempSync(path.join(tmpdir(), "ct-journal-"));
    const journal = await openJournal(outputDir);
    const ended = newOwner();
    const live = newOwner();
    const published = loggedBatch(outputDir, ended, 0);
    linkSync(path.join(outputDir, published.temp), path.join(outputDir, published.file));
    const unpublished = loggedBatch(outputDir, ended, 1);
    const settled = loggedBatch(outputDir, ended, 2);
    await journal.settle(settled);
    const cut = line(loggedBatch(outputDir, ended, 3)).slice(0, 40);
    const endedLog = writeLog(outputDir, ended, line(published) + line(unpublished) + line(settled) + cut);
    writeLog(outputDir, live, line(loggedBatch(outputDir, live, 0)));
    endJournalOwner(ended);

    const orphans = await journal.orphanedLogs();

    expect(orphans.map((log) => log.name)).toEqual([endedLog]);
    expect(orphans[0]?.entries).toEqual([published, unpublished, settled]);
    expect(await journal.state(published)).toBe("published");
    expect(await journal.state(unpublished)).toBe("unpublished");
    expect(await journal.state(settled)).toBe("vanished");
  });

  it("sweeps an ended run's temp files that no log or kept entry names, and keeps the rest", async () => {
    const outputDir = mkdtempSync(path.join(tmpdir(), "ct-journal-"));
    const journal = await openJournal(outputDir);
    const ended = newOwner();
    const live = newOwner();
    const logged = loggedBatch(outputDir, ended, 0);
    const kept = loggedBatch(outputDir, ended, 1);
    const stray = loggedBatch(outputDir, ended, 2);
    const liveTemp = loggedBatch(outputDir, live, 0);
    writeLog(outputDir, ended, line(logged));
    endJournalOwner(ended);

    const removed = await journal.sweepLeftovers(new Set([kept.temp]));

    expect(removed).toBe(1);
    expect(existsSync(path.join(outputDir, stray.temp))).toBe(false);
    const left = readdirSync(outputDir).filter((name) => name.endsWith(".tmp"));
    expect(left.sort()).toEqual([logged.temp, kept.temp, liveTemp.temp].sort());
  });
});
