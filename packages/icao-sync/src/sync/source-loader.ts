import type { Result } from "@certs/result";
import type { DownloadOptions } from "../download/download-options.js";

/** What loading one source gives: its bytes and where they came from. */
export interface LoadedSource {
  readonly bytes: Uint8Array;
  /** The file: URL or final http(s) URL the bytes were read from. */
  readonly url: string;
  /** What an http(s) server said about the body, for a conditional download next time. */
  readonly etag?: string;
  readonly lastModified?: string;
  /** True when a conditional download was answered 304 Not Modified (`bytes` is then empty). */
  readonly notModified?: boolean;
}

/**
 * How sources are read and downloaded (timeouts, size limit, retries, headers, bearer token, OpenID
 * Connect); the pipeline adds its own signal and logger.
 */
export type SourceDownloadOptions = Omit<DownloadOptions, "signal" | "logger">;

/**
 * Reads one source given as a path or URL. The default is `loadSource` (local paths, `file:` and
 * `http(s)://` URLs); pass your own to read from elsewhere or to inject faults in tests.
 */
export type SourceLoader = (location: string, options: DownloadOptions) => Promise<Result<LoadedSource>>;
