import type { Logger } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type pg from "pg";
import type { ConditionalRequest } from "../download/conditional-request.js";
import { loadSource } from "../download/load-source.js";
import { redactSourceUrl } from "../download/source-url.js";
import type { TableCounts } from "../trust-store/trust-store-repository.js";
import type { CollectOptions } from "./source-collection.js";
import type { SyncInput, SyncSource } from "./sync-input.js";

/** One http(s) source of a sync as downloaded, with the validators to send next time. */
export interface SourceDownload {
  /** The URL without credentials, as in the sources report. */
  readonly name: string;
  /** True when the server answered 304 Not Modified to the validators of the last successful sync. */
  readonly notModified: boolean;
  /** Body bytes received (0 for a 304). */
  readonly bytes: number;
  readonly etag?: string;
  readonly lastModified?: string;
}

/**
 * The downloads of the last successful sync, so that this one can ask the servers for a 304. The sync
 * ends "unchanged (304)" without parsing or writing anything only when every master list, LDIF and CRL
 * source is an http(s) URL, each answers 304, and the newest successful entry of the sync log still has
 * `inputDigest` (no other sync replaced the store since); otherwise it downloads in full.
 */
export interface ConditionalSync {
  /** The `inputDigest` of the sync these downloads belong to. */
  readonly inputDigest: string;
  readonly downloads: readonly SourceDownload[];
}

/** What {@link downloadSources} gives the sync. */
export interface DownloadedSources {
  /** The input with every http(s) location replaced by the bytes downloaded. */
  readonly input: SyncInput;
  readonly downloads: readonly SourceDownload[];
  /** Set when every source answered 304 and the store still holds that sync's data. */
  readonly notModified?: { readonly syncId: string; readonly counts: TableCounts };
}

const HTTP_URL = /^https?:\/\//i;

type RowSourceKind = "masterLists" | "ldif" | "crls";
const ROW_SOURCES: readonly RowSourceKind[] = ["masterLists", "ldif", "crls"];

/**
 * Downloads the http(s) sources of `input` once, up front (conditionally when `conditional` names their
 * validators and a 304 could end the sync), so the sync can report what each download brought. Errors are
 * those of the loader, and DATABASE_ERROR when the sync log cannot be read.
 */
export async function downloadSources(
  pool: pg.Pool | undefined,
  input: SyncInput,
  options: CollectOptions & { readonly conditional?: ConditionalSync; readonly dryRun?: boolean },
  logger: Logger,
): Promise<Result<DownloadedSources>> {
  const locations = ROW_SOURCES.flatMap((kind) => input[kind] ?? []);
  const urls = locations.filter(isHttpUrl);
  if (urls.length === 0) return ok({ input, downloads: [] });
  const known = new Map((options.conditional?.downloads ?? []).map((d) => [d.name, d]));
  const askConditionally =
    pool !== undefined &&
    options.dryRun !== true &&
    options.conditional !== undefined &&
    urls.length === locations.length &&
    urls.every((url) => validatorsOf(known.get(redactSourceUrl(url))) !== undefined);

  const fetched = new Map<string, { bytes: Uint8Array; download: SourceDownload }>();
  for (const url of new Set(urls)) {
    const conditional = askConditionally ? validatorsOf(known.get(redactSourceUrl(url))) : undefined;
    const got = await download(url, options, logger, conditional);
    if (!got.ok) return got;
    fetched.set(url, got.value);
  }
  const all = [...fetched.values()];
  if (askConditionally && all.every((f) => f.download.notModified)) {
    const current = await lastSuccessfulSync(pool);
    if (!current.ok) return current;
    if (current.value?.inputDigest === options.conditional?.inputDigest && current.value !== undefined) {
      logger.info({ sources: all.map((f) => f.download.name) }, "sources not modified (304): nothing to do");
      return ok({
        input,
        downloads: all.map((f) => f.download),
        notModified: { syncId: current.value.id, counts: current.value.counts },
      });
    }
    logger.info({}, "sources not modified (304), but another sync replaced the store since: downloading");
  }
  // A 304 among changed sources (or a store replaced by someone else) gives no bytes: fetch those in full.
  for (const [url, got] of fetched) {
    if (!got.download.notModified) continue;
    const full = await download(url, options, logger, undefined);
    if (!full.ok) return full;
    fetched.set(url, full.value);
  }
  const replaced = (sources: readonly SyncSource[] | undefined): SyncSource[] =>
    (sources ?? []).map((source) => {
      const got = typeof source === "string" ? fetched.get(source) : undefined;
      return got === undefined ? source : { name: got.download.name, bytes: got.bytes };
    });
  return ok({
    input: {
      ...input,
      masterLists: replaced(input.masterLists),
      ldif: replaced(input.ldif),
      crls: replaced(input.crls),
    },
    downloads: [...fetched.values()].map((f) => f.download),
  });
}

function isHttpUrl(source: SyncSource): source is string {
  return typeof source === "string" && HTTP_URL.test(source);
}

function validatorsOf(download: SourceDownload | undefined): ConditionalRequest | undefined {
  if (download?.etag === undefined && download?.lastModified === undefined) return undefined;
  return {
    ...(download.etag === undefined ? {} : { etag: download.etag }),
    ...(download.lastModified === undefined ? {} : { lastModified: download.lastModified }),
  };
}

async function download(
  url: string,
  options: CollectOptions,
  logger: Logger,
  conditional: ConditionalRequest | undefined,
): Promise<Result<{ bytes: Uint8Array; download: SourceDownload }>> {
  const loader = options.loadSource ?? loadSource;
  const loaded = await loader(url, {
    ...options.download,
    logger,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(conditional === undefined ? {} : { conditional }),
  });
  if (!loaded.ok) return loaded;
  const { bytes, etag, lastModified, notModified } = loaded.value;
  const name = redactSourceUrl(url);
  const result: SourceDownload = {
    name,
    notModified: notModified === true,
    bytes: bytes.byteLength,
    ...(etag === undefined ? {} : { etag }),
    ...(lastModified === undefined ? {} : { lastModified }),
  };
  logger.info(
    { source: name, bytes: bytes.byteLength, ...(notModified === true ? { notModified: true } : {}) },
    notModified === true ? "source not modified" : "source downloaded",
  );
  return ok({ bytes, download: result });
}

async function lastSuccessfulSync(
  pool: pg.Pool | undefined,
): Promise<Result<{ id: string; inputDigest: string | null; counts: TableCounts } | undefined>> {
  if (pool === undefined) return ok(undefined);
  try {
    const result = await pool.query<{
      id: string;
      input_digest: string | null;
      root_ca_count: number;
      dsc_count: number;
      crls_count: number;
      revoked_certificate_list_count: number;
    }>(
      `SELECT id, input_digest, root_ca_count, dsc_count, crls_count, revoked_certificate_list_count
       FROM icao_sync_log WHERE status IN ('replaced', 'unchanged')
       ORDER BY finished_at DESC, started_at DESC LIMIT 1`,
    );
    const row = result.rows[0];
    if (row === undefined) return ok(undefined);
    return ok({
      id: row.id,
      inputDigest: row.input_digest,
      counts: {
        root_ca: row.root_ca_count,
        dsc: row.dsc_count,
        crls: row.crls_count,
        revoked_certificate_list: row.revoked_certificate_list_count,
      },
    });
  } catch (error) {
    return err(
      appError(ErrorCode.DATABASE_ERROR, "Reading the sync log for a conditional download failed.", {
        cause: error,
      }),
    );
  }
}
