import { open } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type AppError, appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { formatByteLimit } from "./attempt-failure.js";
import { DEFAULT_DOWNLOAD_MAX_BYTES, type DownloadOptions, maxBytesProblem } from "./download-options.js";
import { downloadSource, type DownloadedSource } from "./download-source.js";
import { redactSourceUrl } from "./source-url.js";

// `scheme://`: a URL. A Windows drive (`C:\lists\x.ml`) has no `//` and stays a path.
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * The bytes of a source given as a local path, a `file:` URL, or an `http(s)://` URL (downloaded with
 * {@link downloadSource} and `options`). A file yields `url` as its `file:` URL, `attempts: 1` and its
 * modification time as `lastModified`; `maxBytes` and `signal` apply to it too. A file that cannot be read
 * is a FILE_ERROR naming the path; other schemes are a CONFIGURATION_ERROR.
 */
export async function loadSource(
  pathOrUrl: string,
  options: DownloadOptions = {},
): Promise<Result<DownloadedSource>> {
  const file = localSourcePath(pathOrUrl);
  if (!file.ok) return file;
  if (file.value === null) return downloadSource(pathOrUrl, options);
  const maxBytes = options.maxBytes ?? DEFAULT_DOWNLOAD_MAX_BYTES;
  const issue = maxBytesProblem(maxBytes);
  if (issue !== undefined) return err(appError(ErrorCode.CONFIGURATION_ERROR, issue));
  return readSourceFile(file.value, maxBytes, options.signal);
}

/**
 * The local file a source location names (a path or a `file:` URL), null for an http(s) URL, or the
 * CONFIGURATION_ERROR `loadSource` would give.
 */
export function localSourcePath(pathOrUrl: string): Result<string | null> {
  const scheme =
    URL_SCHEME.exec(pathOrUrl)?.[1]?.toLowerCase() ?? (pathOrUrl.startsWith("file:") ? "file" : undefined);
  if (scheme === "http" || scheme === "https") return ok(null);
  if (scheme !== undefined && scheme !== "file") {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        `cannot load ${JSON.stringify(redactSourceUrl(pathOrUrl))}: give a file path or an http, https or file URL`,
      ),
    );
  }
  try {
    return ok(scheme === "file" ? fileURLToPath(pathOrUrl) : path.resolve(pathOrUrl));
  } catch (error) {
    return err(
      appError(ErrorCode.CONFIGURATION_ERROR, `${pathOrUrl} is not a usable file URL`, { cause: error }),
    );
  }
}

async function readSourceFile(
  file: string,
  maxBytes: number,
  signal: AbortSignal | undefined,
): Promise<Result<DownloadedSource>> {
  // A function, so the check after an await is not narrowed away by the one before it.
  const aborted = (): boolean => signal?.aborted === true;
  if (aborted()) return err(cancelled(file, signal?.reason));
  try {
    const handle = await open(file, "r");
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return err(fileError(file, "is not a regular file"));
      if (stat.size > maxBytes)
        return err(fileError(file, `is larger than the ${formatByteLimit(maxBytes)} limit`));
      const bytes = await handle.readFile(signal === undefined ? {} : { signal });
      // The file may have grown between stat and read.
      if (bytes.byteLength > maxBytes) {
        return err(fileError(file, `is larger than the ${formatByteLimit(maxBytes)} limit`));
      }
      return ok({
        bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        url: pathToFileURL(file).href,
        lastModified: stat.mtime.toUTCString(),
        attempts: 1,
      });
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (aborted()) return err(cancelled(file, signal?.reason));
    return err(fileError(file, describeFileError(error), error));
  }
}

/** Why a file could not be read, in a few words. */
export function describeFileError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === "ENOENT") return "does not exist";
  if (code === "EACCES" || code === "EPERM") return "cannot be read: permission denied";
  if (code === "EISDIR") return "is not a regular file";
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" ? `cannot be read (${code}: ${message})` : `cannot be read: ${message}`;
}

/** A FILE_ERROR naming the path. */
export function fileError(file: string, what: string, cause?: unknown): AppError {
  return appError(ErrorCode.FILE_ERROR, `source file ${file} ${what}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { path: file },
  });
}

function cancelled(file: string, reason: unknown): AppError {
  return appError(ErrorCode.CANCELLED, `reading ${file} was cancelled`, { cause: reason });
}
