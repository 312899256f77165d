import { mkdir, open, readdir, readFile, stat, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { errorCode, fsyncDirectory } from "../durable-file.js";
import { isOwnerAlive, ownerOfBatch, type JournalOwner } from "./journal-owner.js";

/**
 * What an exporter promised before publishing a file: the ids the file holds, the hidden temporary file that
 * the published name is a hard link of, and who wrote it. Appended durably to the run's log before the link;
 * settled by removing the temp file once the delete committed (the log line may stay: a temp file that is
 * gone means the entry needs nothing any more).
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
/** A run starts a new log (carrying over what is still open) once its log has grown past this. */
const ROTATE_BYTES = 1024 * 1024;

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

interface OwnLog {
  readonly owner: JournalOwner;
  readonly name: string;
  readonly handle: FileHandle;
  size: number;
}

/**
 * The journal of one output directory: one append-only log per exporter run (`.journal/<run>~<n>.ids`, a
 * JSON line per batch), so recording a batch costs one append and one fdatasync, and no file per batch is
 * created, renamed or removed in the journal. Methods throw fs errors; the exporter turns them into
 * FILE_ERRORs.
 */
export class ExportJournal {
  /** Logs of other runs, read incrementally, by file name. */
  private readonly others = new Map<string, OtherLog>();
  private own: OwnLog | undefined;
  private generation = 0;
  /** This run's entries whose temp file still exists, by batch. */
  private readonly unsettled = new Map<string, JournalEntry>();
  /** The output directory, kept open for its fsyncs (opened once, even by concurrent first calls). */
  private outputDirHandle: Promise<FileHandle> | undefined;
  /** The last append to this run's log: the next one starts after it. */
  private appending: Promise<void> = Promise.resolve();

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

  /**
   * Durably appends an entry to this run's log (created, or rotated, on the way). Safe to call again before
   * an earlier call returned (pipelined batches do): appends run one at a time, each at the offset the one
   * before it left and after its fdatasync, so two lines never land on the same offset, a failed append
   * never leaves a hole before a later line, and a rotation never closes a log under a pending append.
   */
  record(entry: JournalEntry): Promise<void> {
    const appended = this.appending.then(() => this.append(entry));
    this.appending = appended.catch(() => undefined);
    return appended;
  }

  private async append(entry: JournalEntry): Promise<void> {
    let own = this.own;
    if (own === undefined || own.size > ROTATE_BYTES) own = await this.startLog(entry.owner);
    const line = Buffer.from(`${JSON.stringify(entry)}\n`, "utf8");
    this.unsettled.set(entry.batch, entry);
    await own.handle.write(line, 0, line.length, own.size);
    own.size += line.length;
    await own.handle.datasync();
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
    this.unsettled.delete(entry.batch);
  }

  /**
   * Ends this run's use of the journal: its log is removed when no entry of it is open any more (a published
   * file whose rows could not be deleted keeps it, for the next run to reconcile).
   */
  async close(): Promise<void> {
    const dirHandle = this.outputDirHandle;
    this.outputDirHandle = undefined;
    await dirHandle?.then((handle) => handle.close()).catch(() => undefined);
    await this.appending;
    const own = this.own;
    this.own = undefined;
    if (own === undefined) return;
    await own.handle.close().catch(() => undefined);
    if (this.unsettled.size === 0) await unlink(path.join(this.dir, own.name)).catch(ignoreMissing);
  }

  /**
   * Which of `ids` an entry still covers: this run's open entries, and other runs' entries whose temp file
   * still exists (published and not yet deleted, or left by a run that ended mid-batch). Exporting those
   * rows again would duplicate them.
   */
  async coveredIds(ids: Iterable<string>): Promise<Set<string>> {
    const wanted = new Set(ids);
    const covered = new Set<string>();
    for (const entry of this.unsettled.values()) {
      for (const id of entry.ids) if (wanted.has(id)) covered.add(id);
    }
    const tempExists = new Map<string, boolean>();
    for (const entry of await this.otherEntries()) {
      for (const id of entry.ids) {
        if (!wanted.has(id) || covered.has(id)) continue;
        let exists = tempExists.get(entry.temp);
        if (exists === undefined) {
          exists = (await this.state(entry)) !== "vanished";
          tempExists.set(entry.temp, exists);
        }
        if (exists) covered.add(id);
      }
    }
    return covered;
  }

  /** The logs of runs that have ended (crashed or finished): these may be reconciled by anyone. */
  async orphanedLogs(): Promise<OrphanedLog[]> {
    const out: OrphanedLog[] = [];
    for (const name of await this.logNames()) {
      if (name === this.own?.name) continue;
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
    for (const entry of this.unsettled.values()) referenced.add(entry.temp);
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

  /** Starts a new log for this run, carrying over its open entries, then drops the previous log. */
  private async startLog(owner: JournalOwner): Promise<OwnLog> {
    const previous = this.own;
    this.generation += 1;
    const name = `${owner.host}~${owner.pid}~${owner.start}~${owner.run}~${this.generation}${LOG_SUFFIX}`;
    const handle = await open(path.join(this.dir, name), "wx", 0o644);
    const own: OwnLog = { owner, name, handle, size: 0 };
    try {
      const carried = [...this.unsettled.values()].map((entry) => `${JSON.stringify(entry)}\n`).join("");
      if (carried.length > 0) {
        const bytes = Buffer.from(carried, "utf8");
        await handle.write(bytes, 0, bytes.length, 0);
        own.size = bytes.length;
        await handle.datasync();
      }
      // The new log's name must be durable before any entry in it counts.
      await fsyncDirectory(this.dir);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    this.own = own;
    if (previous !== undefined) {
      await previous.handle.close().catch(() => undefined);
      await unlink(path.join(this.dir, previous.name)).catch(ignoreMissing);
    }
    return own;
  }

  private async logNames(): Promise<string[]> {
    return (await readdir(this.dir)).filter((name) => name.endsWith(LOG_SUFFIX));
  }

  /** Entries of every other run's log (live or not), reading only what was appended since last time. */
  private async otherEntries(): Promise<JournalEntry[]> {
    const names = (await this.logNames()).filter((name) => name !== this.own?.name);
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
