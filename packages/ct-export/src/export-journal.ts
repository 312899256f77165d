import { mkdir, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { errorCode, fsyncDirectory, writeNewFileDurably } from "./durable-file.js";
import { isOwnerAlive, ownerOfBatch, type JournalOwner } from "./journal-owner.js";

/**
 * What an exporter promised before publishing a file: the ids the file holds, the hidden temporary file that
 * the published name is a hard link of, and who wrote it. Written durably before the link, removed after
 * the delete committed.
 */
export interface JournalEntry {
  readonly version: 1;
  readonly batch: string;
  readonly owner: JournalOwner;
  /** Name (in the output directory) of the temporary file, a second link to the published file. */
  readonly temp: string;
  /** Name the file is (or was to be) published under; for people reading the journal. */
  readonly file: string;
  readonly ids: readonly string[];
}

/** The `.journal` sub-directory of an output directory; the uploader never looks into it. */
export const JOURNAL_DIR = ".journal";
const ENTRY_SUFFIX = ".ids";
const HALF_WRITTEN = /^(.+)\.ids\.new$/;
/** Hidden, and not matched by the uploader's `*.json` glob. */
const TEMP_NAME = /^\.ct-export-(.+)\.tmp$/;

/** The temp file name for a batch. */
export function tempFileName(batch: string): string {
  return `.ct-export-${batch}.tmp`;
}

/** How a journal entry stands, judged from the file system. */
export type EntryState =
  /** The temp file has a second link: the file was published (and possibly moved away since). */
  | "published"
  /** The temp file has no other link: the publishing link never happened. */
  | "unpublished"
  /** The temp file is gone: another exporter is cleaning this entry up right now. */
  | "vanished";

/** The journal of one output directory. Methods throw fs errors; the exporter turns them into FILE_ERRORs. */
export class ExportJournal {
  private readonly cache = new Map<string, JournalEntry | null>();

  private constructor(
    readonly outputDir: string,
    readonly dir: string,
  ) {}

  /** Creates the journal directory if needed. */
  static async open(outputDir: string): Promise<ExportJournal> {
    const dir = path.join(outputDir, JOURNAL_DIR);
    await mkdir(dir, { recursive: true });
    return new ExportJournal(outputDir, dir);
  }

  /** Durably records (or replaces) an entry: written under a temporary name, fsynced, renamed, dir fsynced. */
  async record(entry: JournalEntry): Promise<void> {
    const final = this.entryPath(entry.batch);
    const temporary = `${final}.new`;
    await unlink(temporary).catch(() => undefined);
    await writeNewFileDurably(temporary, JSON.stringify(entry));
    await rename(temporary, final);
    await fsyncDirectory(this.dir);
    this.cache.set(path.basename(final), entry);
  }

  /** Removes an entry and then its temp file (in that order, so a temp without entry is plain garbage). */
  async remove(entry: Pick<JournalEntry, "batch" | "temp">): Promise<void> {
    await unlink(this.entryPath(entry.batch)).catch(ignoreMissing);
    this.cache.delete(`${entry.batch}${ENTRY_SUFFIX}`);
    await unlink(path.join(this.outputDir, entry.temp)).catch(ignoreMissing);
  }

  /** Every readable entry; unreadable ones (a crash while writing them) are skipped. */
  async entries(): Promise<JournalEntry[]> {
    const names = (await readdir(this.dir)).filter((name) => name.endsWith(ENTRY_SUFFIX));
    const live = new Set(names);
    for (const name of this.cache.keys()) if (!live.has(name)) this.cache.delete(name);
    const out: JournalEntry[] = [];
    for (const name of names) {
      let entry = this.cache.get(name);
      if (entry === undefined) {
        entry = await readEntry(path.join(this.dir, name));
        // Only complete entries are cached; a half-written one is read again next time.
        if (entry !== null) this.cache.set(name, entry);
      }
      if (entry !== null) out.push(entry);
    }
    return out;
  }

  /** Entries whose writer has ended (crashed or finished): these may be reconciled by anyone. */
  async orphanedEntries(): Promise<JournalEntry[]> {
    return (await this.entries()).filter((entry) => !isOwnerAlive(entry.owner));
  }

  /** Whether the entry's file was published, judged by the temp file's link count. */
  async state(entry: JournalEntry): Promise<EntryState> {
    try {
      const info = await stat(path.join(this.outputDir, entry.temp));
      return info.nlink >= 2 ? "published" : "unpublished";
    } catch (error) {
      if (errorCode(error) === "ENOENT") return "vanished";
      throw error;
    }
  }

  /**
   * Removes what crashed runs left behind and no entry refers to: half-written entries and temp files of
   * runs that have ended. Their files were never published under an entry, so nothing else depends on them.
   */
  async sweepLeftovers(): Promise<number> {
    let removed = 0;
    const referenced = new Set((await this.entries()).map((entry) => entry.temp));
    for (const name of await readdir(this.outputDir)) {
      const batch = TEMP_NAME.exec(name)?.[1];
      if (batch === undefined || referenced.has(name)) continue;
      const owner = ownerOfBatch(batch);
      if (owner !== undefined && !isOwnerAlive(owner)) {
        await unlink(path.join(this.outputDir, name)).catch(ignoreMissing);
        removed += 1;
      }
    }
    for (const name of await readdir(this.dir)) {
      const batch = HALF_WRITTEN.exec(name)?.[1];
      const owner = batch === undefined ? undefined : ownerOfBatch(batch);
      if (owner !== undefined && !isOwnerAlive(owner)) {
        await unlink(path.join(this.dir, name)).catch(ignoreMissing);
        removed += 1;
      }
    }
    return removed;
  }

  private entryPath(batch: string): string {
    return path.join(this.dir, `${batch}${ENTRY_SUFFIX}`);
  }
}

async function readEntry(file: string): Promise<JournalEntry | null> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as Partial<JournalEntry>;
    if (parsed.version !== 1 || !Array.isArray(parsed.ids) || typeof parsed.temp !== "string") return null;
    return parsed as JournalEntry;
  } catch {
    return null;
  }
}

function ignoreMissing(error: unknown): void {
  if (errorCode(error) !== "ENOENT") throw error;
}
