import { readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Logger } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";

/** What loading one source gives: its bytes and where they came from. */
export interface LoadedSource {
  readonly bytes: Uint8Array;
  /** The path or final URL the bytes were read from. */
  readonly url: string;
}

/** How `http(s)://` sources are fetched; handed to the loader unchanged. */
export interface SourceDownloadOptions {
  /** A `fetch` of your own (proxies, test servers); default the global one. */
  readonly fetch?: typeof fetch;
  /** Give up on one request after this long. */
  readonly timeoutMs?: number;
  /** Refuse a source larger than this (local files too). */
  readonly maxBytes?: number;
  /** Extra request headers, e.g. an API key. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly bearerToken?: string;
  /** Fetch a token from an OpenID Connect token endpoint first and send it as a bearer token. */
  readonly oidc?: {
    readonly tokenUrl: string;
    readonly clientId: string;
    readonly clientSecret?: string;
    readonly grant: "client_credentials" | "password";
    readonly username?: string;
    readonly password?: string;
    readonly scope?: string;
  };
}

/** Options a {@link SourceLoader} receives. */
export interface SourceLoadOptions extends SourceDownloadOptions {
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/**
 * Reads one source given as a path or URL. The sync pipeline calls it for every source it was given by
 * location; pass your own to fetch from elsewhere or to inject faults in tests.
 */
export type SourceLoader = (location: string, options: SourceLoadOptions) => Promise<Result<LoadedSource>>;

/** True for the locations a loader must download rather than read from disk. */
export function isRemoteLocation(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

function localPath(location: string): string {
  return location.startsWith("file:") ? fileURLToPath(location) : location;
}

function fileFailure(location: string, reason: string, cause?: unknown): Result<never> {
  return err(
    appError(ErrorCode.FILE_ERROR, `Cannot read ${location}: ${reason}.`, {
      ...(cause === undefined ? {} : { cause }),
      details: { source: location },
    }),
  );
}

/**
 * Reads a local file (a path or a `file:` URL), refusing one over `maxBytes` before reading it. A URL is
 * refused with a CONFIGURATION_ERROR: downloads need a loader that can fetch.
 */
export const readLocalSource: SourceLoader = async (location, options) => {
  if (isRemoteLocation(location)) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        `Cannot download ${location}: no downloading source loader was given (options.loadSource).`,
        { details: { source: location } },
      ),
    );
  }
  let path: string;
  try {
    path = localPath(location);
  } catch (cause) {
    return fileFailure(location, "it is not a valid file URL", cause);
  }
  try {
    const info = await stat(path);
    if (!info.isFile()) return fileFailure(location, "it is not a regular file");
    if (options.maxBytes !== undefined && info.size > options.maxBytes) {
      return fileFailure(location, `it is ${info.size} bytes, over the limit of ${options.maxBytes}`);
    }
    const bytes = await readFile(path, options.signal === undefined ? {} : { signal: options.signal });
    return ok({ bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), url: location });
  } catch (cause) {
    if (options.signal?.aborted === true) {
      return err(appError(ErrorCode.CANCELLED, `Reading ${location} was cancelled.`, { cause }));
    }
    const code = (cause as { code?: unknown }).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : cause instanceof Error
            ? cause.message
            : String(cause);
    return fileFailure(location, reason, cause);
  }
};
