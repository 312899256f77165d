import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { type Logger } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { formatByteLimit } from "../download/attempt-failure.js";
import { DEFAULT_DOWNLOAD_MAX_BYTES, maxBytesProblem } from "../download/download-options.js";
import { describeFileError, fileError, loadSource, localSourcePath } from "../download/load-source.js";
import { redactSourceUrl } from "../download/source-url.js";
import { cancelled, type CollectOptions, sha256, type SourceReport } from "./source-collection.js";
import type { SyncSource } from "./sync-input.js";

/** An LDIF source ready to be streamed: its report (size and digest, known before parsing) and its bytes. */
export interface OpenedLdif {
  readonly report: SourceReport;
  /** The bytes in chunks; a file is read again from disk, so it must not change meanwhile (checked). */
  chunks(): AsyncIterable<Uint8Array>;
  /** The file that `chunks` reads, for error messages; null for bytes in memory. */
  readonly file: string | null;
  /** Whether it names the `pkdMasterListContent` attribute (collection 002), so the sync reads it first. */
  readonly holdsMasterLists: boolean;
}

// The attribute of nested master lists as the PKD spells it; found while hashing, without parsing.
const MASTER_LIST_ATTRIBUTE = Buffer.from("pkdMasterListContent", "latin1");

/** Looks for the master list attribute across chunk boundaries, in one pass. */
class MasterListScan {
  found = false;
  private tail: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): void {
    if (this.found) return;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const keep = MASTER_LIST_ATTRIBUTE.length - 1;
    const seam = Buffer.concat([this.tail, bytes.subarray(0, keep)]);
    if (seam.includes(MASTER_LIST_ATTRIBUTE) || bytes.includes(MASTER_LIST_ATTRIBUTE)) this.found = true;
    this.tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - keep)));
  }
}

const CHUNK_BYTES = 1024 * 1024;

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
}

async function* inMemory(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield* slices(bytes);
}

/**
 * Opens every LDIF source for streaming. A local file (path or `file:` URL, read by the default loader) is
 * hashed here in one pass and parsed later in a second, so it is never held whole; anything else (bytes,
 * downloads, a custom loader) is loaded into memory as before and streamed from there. Errors are those of
 * `loadSource`: FILE_ERROR naming the path, CONFIGURATION_ERROR, CANCELLED.
 */
export async function openLdifSources(
  sources: readonly SyncSource[],
  options: CollectOptions,
  logger: Logger,
): Promise<Result<OpenedLdif[]>> {
  const opened: OpenedLdif[] = [];
  for (const source of sources) {
    if (options.signal?.aborted === true) return err(cancelled());
    if (typeof source !== "string") {
      opened.push(fromBytes(source.name, source.bytes));
      continue;
    }
    const local = options.loadSource === undefined ? localSourcePath(source) : ok(null);
    if (!local.ok) return local;
    if (local.value !== null) {
      const file = await hashFile(redactSourceUrl(source), local.value, options);
      if (!file.ok) return file;
      logger.info(
        { kind: "ldif", source: file.value.report.name, bytes: file.value.report.bytes },
        "source opened",
      );
      opened.push(file.value);
      continue;
    }
    const loader = options.loadSource ?? loadSource;
    const name = redactSourceUrl(source);
    const loaded = await loader(source, {
      ...options.download,
      logger,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (!loaded.ok) return loaded;
    logger.info({ kind: "ldif", source: name, bytes: loaded.value.bytes.byteLength }, "source loaded");
    opened.push(fromBytes(name, loaded.value.bytes));
  }
  return ok(opened);
}

function fromBytes(name: string, bytes: Uint8Array): OpenedLdif {
  const scan = new MasterListScan();
  scan.push(bytes);
  return {
    report: { kind: "ldif", name, bytes: bytes.byteLength, sha256: sha256(bytes) },
    chunks: () => inMemory(bytes),
    file: null,
    holdsMasterLists: scan.found,
  };
}

async function hashFile(name: string, file: string, options: CollectOptions): Promise<Result<OpenedLdif>> {
  const maxBytes = options.download?.maxBytes ?? DEFAULT_DOWNLOAD_MAX_BYTES;
  const issue = maxBytesProblem(maxBytes);
  if (issue !== undefined) return err(appError(ErrorCode.CONFIGURATION_ERROR, issue));
  const signal = options.signal;
  const open = () =>
    createReadStream(file, { highWaterMark: CHUNK_BYTES, ...(signal === undefined ? {} : { signal }) });
  try {
    const info = await stat(file);
    if (!info.isFile()) return err(fileError(file, "is not a regular file"));
    if (info.size > maxBytes)
      return err(fileError(file, `is larger than the ${formatByteLimit(maxBytes)} limit`));
    const hash = createHash("sha256");
    const scan = new MasterListScan();
    let bytes = 0;
    for await (const chunk of open() as AsyncIterable<Buffer>) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes)
        return err(fileError(file, `is larger than the ${formatByteLimit(maxBytes)} limit`));
      hash.update(chunk);
      scan.push(chunk);
    }
    return ok({
      report: { kind: "ldif", name, bytes, sha256: hash.digest("hex") },
      chunks: () => open() as AsyncIterable<Buffer>,
      file,
      holdsMasterLists: scan.found,
    });
  } catch (error) {
    if (signal?.aborted === true) {
      return err(appError(ErrorCode.CANCELLED, `reading ${file} was cancelled`, { cause: signal.reason }));
    }
    return err(fileError(file, describeFileError(error), error));
  }
}

/** The FILE_ERROR for a source that failed while it was being streamed. */
export function streamReadError(ldif: OpenedLdif, error: unknown) {
  return fileError(ldif.file ?? ldif.report.name, describeFileError(error), error);
}
