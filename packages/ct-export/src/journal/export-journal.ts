import { mkdir, open, readdir, readFile, stat, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { errorCode } from "../durable-file.js";
import { isOwnerAlive, ownerOfBatch, type JournalOwner } from "./journal-owner.js";

/**
 * What an exporter of an older version promised before publishing a file: the ids the file holds, the hidden
 * temporary file that the published name is a hard link of, and who wrote it, as a line of its run's log
 * (the database journal has that authority now; such logs are only reconciled). A temp file that is gone
 * means the entry needs nothing any more.
 */
export interface JournalEntry {
  /** 2 for lines of a run's log; 1 for the one-entry files older versions wrote (still reconciled). */
  readonly version: 1 | 2;
  readonly batch: string;
  readonly owner: JournalOwner;
  /** Name (in the output directory) of the temporary file, a second link to the published file. */
  readonly temp: string;
  /** Name the file was first meant to be published under; for people reading the journal. */
  readonly file: string;
  readonly ids: readonly string[];
}

/** The `.journal` sub-directory of an output directory; the uploader never looks into it. */
export const JOURNAL_DIR = ".journal";
const LOG_SUFFIX = ".ids";
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
  /** The temp file is gone: the entry was settled (or is being settled by another exporter right now). */
  | "vanished";

/** A log of an ended run, as reconciling reads it. */
export interface OrphanedLog {
  readonly name: string;
  readonly entries: readonly JournalEntry[];
}

interface OtherLog {
  /** Bytes read so far (always at a line end). */
  offset: number;
  entries: JournalEntry[];
}

/**
 * An output directory's file side of the journal: the batches' hidden temp files (whose link count proves a
 * file was published), the directory fsyncs, and the run logs (`.journal/<run>~<n>.ids`, a JSON line per
 * batch) that older versions wrote, read to reconcile them. Methods throw fs errors; the exporter turns them
 * into FILE_ERRORs.
 */
export class ExportJournal {
  /** Logs of older versions' runs, read incrementally, by file name. */
  private readonly others = new Map<string, OtherLog>();
  /** The output directory, kept open for its fsyncs (opened once, even by concurrent first calls). */
  private outputDirHandle: Promise<FileHandle> | undefined;

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

  /** Makes the output directory's entries durable (after a link), through a handle kept open for the run. */
  async syncOutputDir(): Promise<void> {
    this.outputDirHandle ??= open(this.outputDir, "r");
    const opening = this.outputDirHandle;
    let handle: FileHandle;
    try {
      handle = await opening;
    } catch (error) {
      // Not cached: a later call tries again.
      if (this.outputDirHandle === opening) this.outputDirHandle = undefined;
      throw error;
    }
    await handle.sync();
  }

  /** Settles an entry: removes its temp file, after which the entry asks nothing of anyone. */
  async settle(entry: Pick<JournalEntry, "batch" | "temp">): Promise<void> {
    await unlink(path.join(this.outputDir, entry.temp)).catch(ignoreMissing);
  }

  /** Ends this run's use of the output directory: closes the handle kept for its fsyncs. */
  async close(): Promise<void> {
    const dirHandle = this.outputDirHandle;
    this.outputDirHandle = undefined;
    await dirHandle?.then((handle) => handle.close()).catch(() => undefined);
  }

  /** The logs of runs that have ended (crashed or finished): these may be reconciled by anyone. */
  async orphanedLogs(): Promise<OrphanedLog[]> {
    const out: OrphanedLog[] = [];
    for (const name of await this.logNames()) {
      const owner = ownerOfBatch(name.slice(0, -LOG_SUFFIX.length));
      if (owner === undefined || isOwnerAlive(owner)) continue;
      let text: string;
      try {
        text = await readFile(path.join(this.dir, name), "utf8");
      } catch (error) {
        if (errorCode(error) === "ENOENT") continue;
        throw error;
      }
      // The run has ended: a last line without its newline is complete if it parses (older versions wrote
      // one entry per file without one); a line cut short by a crash does not parse and is skipped.
      out.push({ name, entries: parseLines(text, true).entries });
    }
    return out;
  }

  /** Removes a reconciled log. */
  async removeLog(name: string): Promise<void> {
    await unlink(path.join(this.dir, name)).catch(ignoreMissing);
    this.others.delete(name);
  }

  /** Whether the entry's file was published, judged by the temp file's link count. */
  async state(entry: Pick<JournalEntry, "temp">): Promise<EntryState> {
    try {
      const info = await stat(path.join(this.outputDir, entry.temp));
      return info.nlink >= 2 ? "published" : "unpublished";
    } catch (error) {
      if (errorCode(error) === "ENOENT") return "vanished";
      throw error;
    }
  }

  /**
   * Removes temp files of runs that have ended which no log refers to, nor `keep` (the temp files of open
   * database journal entries): a crash between creating the temp file and recording its entry, or after the
   * delete committed. Nothing depends on them.
   */
  async sweepLeftovers(keep: ReadonlySet<string> = new Set()): Promise<number> {
    let removed = 0;
    const referenced = new Set<string>(keep);
    for (const entry of await this.otherEntries()) referenced.add(entry.temp);
    for (const name of await readdir(this.outputDir)) {
      const batch = TEMP_NAME.exec(name)?.[1];
      if (batch === undefined || referenced.has(name)) continue;
      const owner = ownerOfBatch(batch);
      if (owner !== undefined && !isOwnerAlive(owner)) {
        await unlink(path.join(this.outputDir, name)).catch(ignoreMissing);
        removed += 1;
      }
    }
    return removed;
  }

  private async logNames(): Promise<string[]> {
    return (await readdir(this.dir)).filter((name) => name.endsWith(LOG_SUFFIX));
  }

  /** Entries of every run log (live or not), reading only what was appended since last time. */
  private async otherEntries(): Promise<JournalEntry[]> {
    const names = await this.logNames();
    const live = new Set(names);
    for (const name of this.others.keys()) if (!live.has(name)) this.others.delete(name);
    const out: JournalEntry[] = [];
    for (const name of names) {
      const log = this.others.get(name) ?? { offset: 0, entries: [] };
      this.others.set(name, log);
      await readAppended(path.join(this.dir, name), log);
      out.push(...log.entries);
    }
    return out;
  }
}

/** Reads what a log gained since `log.offset`, complete lines only (its writer may be mid-append). */
async function readAppended(file: string, log: OtherLog): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size <= log.offset) return;
    const bytes = Buffer.allocUnsafe(size - log.offset);
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, log.offset);
    const parsed = parseLines(bytes.subarray(0, bytesRead).toString("utf8"), false);
    log.offset += Buffer.byteLength(parsed.consumed, "utf8");
    log.entries.push(...parsed.entries);
  } finally {
    await handle.close();
  }
}

function parseLines(text: string, ended: boolean): { entries: JournalEntry[]; consumed: string } {
  const end = text.lastIndexOf("\n") + 1;
  const complete = ended ? text : text.slice(0, end);
  const entries: JournalEntry[] = [];
  for (const line of complete.split("\n")) {
    const entry = parseEntry(line);
    if (entry !== null) entries.push(entry);
  }
  return { entries, consumed: text.slice(0, end) };
}

function parseEntry(line: string): JournalEntry | null {
  if (line.length === 0) return null;
  try {
    const parsed = JSON.parse(line) as Partial<JournalEntry>;
    if ((parsed.version !== 1 && parsed.version !== 2) || !Array.isArray(parsed.ids)) return null;
    if (typeof parsed.temp !== "string" || typeof parsed.batch !== "string") return null;
    return parsed as JournalEntry;
  } catch {
    return null;
  }
}

function ignoreMissing(error: unknown): void {
  if (errorCode(error) !== "ENOENT") throw error;
}
