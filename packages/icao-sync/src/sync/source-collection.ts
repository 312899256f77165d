import { createHash } from "node:crypto";
import { type Logger, silentLogger } from "@certs/db";
import { type AppError, appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { parseCrl } from "../parse/crl.js";
import { loadSource } from "../download/load-source.js";
import { redactSourceUrl } from "../download/source-url.js";
import { type LdifContent, parseLdif } from "../parse/ldif.js";
import { parseMasterList } from "../parse/master-list.js";
import { parseDeviationList } from "../parse/deviation-list.js";
import { loadOperatorCscas } from "./operator-cscas.js";
import type { ParseLimits } from "../parse/parse-limits.js";
import { loadTrustAnchors, type TrustAnchor } from "../verify/trust-anchors.js";
import type { StoredCrlFacts } from "./crl-admission.js";
import { type RowOptions, TrustStoreRowBuilder } from "../trust-store/trust-store-rows.js";
import type { SourceDownloadOptions, SourceLoader } from "./source-loader.js";
import type { SourceKind, SyncInput, SyncSource } from "./sync-input.js";
import { type IntakeOptions, TrustStoreIntake } from "./trust-store-intake.js";

/** Options shared by `syncTrustStore` and `inspectSources` for reading and checking the sources. */
export interface CollectOptions {
  /** Verify master list signatures and chains; default true. `false` logs a warning and checks structure only. */
  readonly verify?: boolean;
  /** Reads sources given by location; default `loadSource` (paths, `file:` and `http(s)://` URLs). */
  readonly loadSource?: SourceLoader;
  /** Handed to the loader for every source (timeouts, size limit, retries, authentication). */
  readonly download?: SourceDownloadOptions;
  /** Checked between steps: a cancelled sync stops before it writes anything. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Bounds for every parser (see `defaultParseLimits`). */
  readonly limits?: Partial<ParseLimits>;
  /** The clock for chain checks of lists without a signingTime and for freshness checks; default the system clock. */
  readonly clock?: () => Date;
  /** Fail instead of leaving out (and reporting) a CRL, DSC or nested list that does not verify. */
  readonly strict?: boolean;
  /** Store a CRL older than the stored one of its issuer instead of failing the sync. */
  readonly allowCrlRollback?: boolean;
  /** Store LDIF DSCs that no trusted CSCA of their issuer can check (status `unverifiable`); default: leave out. */
  readonly keepUnverifiableDsc?: boolean;
  /** Leave collection 003 (non-conformant) DSCs out of `dsc`; default: store them when they verify. */
  readonly excludeNonConformant?: boolean;
}

/** One source as read. */
export interface SourceReport {
  readonly kind: SourceKind;
  /** The path, the URL without credentials, or the name given with the bytes. */
  readonly name: string;
  readonly bytes: number;
  /** Lowercase hex SHA-256 of the bytes as read. */
  readonly sha256: string;
}

/** Everything read from the sources, admitted into rows or refused. */
export interface CollectedSources {
  /** The rows admitted so far, the trusted CSCAs, and what was decided; a sync hands it the LDIF it streams. */
  readonly intake: TrustStoreIntake;
  readonly sources: readonly SourceReport[];
  readonly loadMs: number;
  readonly parseMs: number;
}

/**
 * Which sources `collectSources` reads: all of them, or all but the LDIF files, which a sync streams into
 * the database itself (they still count as sources given).
 */
export interface CollectScope {
  readonly ldif: "parse" | "defer";
  /** The CRLs already stored, by issuer, so that none is replaced by an older one. */
  readonly storedCrls?: ReadonlyMap<string, StoredCrlFacts>;
  /** How the rows are built (sync time, `source` column). */
  readonly rows: RowOptions;
}

interface Loaded {
  readonly kind: SourceKind;
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Returns the error with the source it concerns in front of its message. */
export function aboutSource(error: AppError, name: string): AppError {
  return appError(error.code, `${name}: ${error.message}`, {
    ...(error.cause === undefined ? {} : { cause: error.cause }),
    details: { ...error.details, source: name },
  });
}

export function cancelled(): AppError {
  return appError(ErrorCode.CANCELLED, "The sync was cancelled before anything was written.");
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function loadAll(
  kind: SourceKind,
  sources: readonly SyncSource[],
  options: CollectOptions,
  logger: Logger,
): Promise<Result<Loaded[]>> {
  const loader = options.loadSource ?? loadSource;
  const loaded: Loaded[] = [];
  for (const source of sources) {
    if (options.signal?.aborted === true) return err(cancelled());
    if (typeof source !== "string") {
      loaded.push({ kind, name: source.name, bytes: source.bytes });
      continue;
    }
    const name = redactSourceUrl(source);
    const result = await loader(source, {
      ...options.download,
      logger,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (!result.ok) return result;
    logger.info({ kind, source: name, bytes: result.value.bytes.byteLength }, "source loaded");
    loaded.push({ kind, name, bytes: result.value.bytes });
  }
  return ok(loaded);
}

/** The intake options the collect options ask for. */
export function intakeOptions(
  options: CollectOptions,
  storedCrls: CollectScope["storedCrls"],
): IntakeOptions {
  return {
    verify: options.verify ?? true,
    clock: options.clock ?? (() => new Date()),
    strict: options.strict === true,
    allowCrlRollback: options.allowCrlRollback === true,
    stored: storedCrls ?? new Map(),
    keepUnverifiableDsc: options.keepUnverifiableDsc === true,
    excludeNonConformant: options.excludeNonConformant === true,
  };
}

/**
 * Loads every source, then parses it and admits what it holds (see `TrustStoreIntake`): master lists are
 * verified unless `verify` is false, and the first source that cannot be read or parsed, or a master list
 * file whose signature or chain does not verify, ends the collection with its error, named after the
 * source. LDIF files (when parsed here) are taken nested lists first, so that their CSCAs count for every
 * DSC and CRL. Reads nothing from and writes nothing to any database.
 */
export async function collectSources(
  input: SyncInput,
  options: CollectOptions,
  scope: CollectScope,
): Promise<Result<CollectedSources>> {
  const logger = options.logger ?? silentLogger;
  const verify = options.verify ?? true;
  const limits = options.limits === undefined ? {} : { limits: options.limits };
  const loadStarted = performance.now();
  const loadedByKind: Loaded[][] = [];
  for (const [kind, sources] of [
    ["trust_anchor", input.trustAnchors ?? []],
    ["master_list", input.masterLists ?? []],
    ["ldif", scope.ldif === "parse" ? (input.ldif ?? []) : []],
    ["crl", input.crls ?? []],
    ["csca", input.cscas ?? []],
    ["deviation_list", input.deviationLists ?? []],
  ] as const) {
    const loaded = await loadAll(kind, sources, options, logger);
    if (!loaded.ok) return loaded;
    loadedByKind.push(loaded.value);
  }
  const [
    anchorFiles = [],
    listFiles = [],
    ldifFiles = [],
    crlFiles = [],
    cscaFiles = [],
    deviationFiles = [],
  ] = loadedByKind;
  const loadMs = performance.now() - loadStarted;
  const ldifCount = scope.ldif === "parse" ? ldifFiles.length : (input.ldif?.length ?? 0);
  if (listFiles.length + ldifCount + crlFiles.length + cscaFiles.length + deviationFiles.length === 0) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        "No master list, LDIF or CRL source was given; name at least one.",
      ),
    );
  }
  if (options.signal?.aborted === true) return err(cancelled());

  const parseStarted = performance.now();
  const trustAnchors: TrustAnchor[] = [];
  for (const file of anchorFiles) {
    const anchors = loadTrustAnchors([file.bytes], limits);
    if (!anchors.ok) return err(aboutSource(anchors.error, file.name));
    trustAnchors.push(...anchors.value);
  }
  const intake = new TrustStoreIntake(
    new TrustStoreRowBuilder(scope.rows),
    trustAnchors,
    intakeOptions(options, scope.storedCrls),
  );
  if (!verify) {
    logger.warn({}, "verification is off: signatures and chains are not checked");
  } else if (trustAnchors.length === 0 && listFiles.length > 0) {
    logger.warn({}, "no trust anchor given: master list signatures are checked but their chains are not");
  }
  const clock = options.clock === undefined ? {} : { clock: options.clock };

  for (const file of listFiles) {
    const list = parseMasterList(file.bytes, { verify, trustAnchors, ...clock, ...limits });
    if (!list.ok) return err(aboutSource(list.error, file.name));
    intake.masterListFile(file.name, list.value);
    const report = intake.lists[intake.lists.length - 1];
    logger.info(
      {
        source: file.name,
        certificates: report?.certificates,
        signature: report?.signature,
        chain: report?.chain,
      },
      "master list read",
    );
  }
  // Operator CSCAs are trusted before any CRL, DSC or deviation list is checked.
  for (const file of cscaFiles) {
    const cscas = loadOperatorCscas(file.name, file.bytes, limits);
    if (!cscas.ok) return cscas;
    for (const csca of cscas.value) intake.operatorCsca(file.name, csca);
    logger.info({ source: file.name, certificates: cscas.value.length }, "operator CSCAs read");
  }
  const listCrls = intake.settleListCrls();
  if (!listCrls.ok) return listCrls;

  const parsedLdif: { name: string; content: LdifContent }[] = [];
  for (const file of ldifFiles) {
    // Nested lists are checked by the intake, against the trusted CSCAs of their country.
    const ldif = parseLdif(file.bytes, { masterList: { verify: false, ...limits }, ...limits });
    if (!ldif.ok) return err(aboutSource(ldif.error, file.name));
    parsedLdif.push({ name: file.name, content: ldif.value });
    logger.info(
      {
        source: file.name,
        entries: ldif.value.entries,
        dscs: ldif.value.dscs.length,
        crls: ldif.value.crls.length,
        masterLists: ldif.value.masterLists.length,
        barCodeSigners: ldif.value.barCodeSigners,
      },
      "LDIF read",
    );
  }
  for (const { name, content } of parsedLdif) {
    for (const nested of content.masterLists) {
      const admitted = intake.nestedList(name, nested);
      if (!admitted.ok) return admitted;
    }
  }
  for (const { name, content } of parsedLdif) {
    const admitted = intake.ldifEntry(name, { ...content, masterLists: [] }, false);
    if (!admitted.ok) return admitted;
  }

  for (const file of crlFiles) {
    const crl = parseCrl(file.bytes, limits);
    if (!crl.ok) return err(aboutSource(crl.error, file.name));
    const admitted = intake.crl(crl.value, file.name, "crl-file");
    if (!admitted.ok) return admitted;
  }

  for (const file of deviationFiles) {
    const list = parseDeviationList(file.bytes, { verify, ...limits });
    if (!list.ok) return err(aboutSource(list.error, file.name));
    const admitted = intake.deviationList(file.name, list.value, scope.rows.updatedAt);
    if (!admitted.ok) return admitted;
    logger.info({ source: file.name, deviations: list.value.deviations.length }, "deviation list read");
  }

  const all = [...anchorFiles, ...listFiles, ...cscaFiles, ...ldifFiles, ...crlFiles, ...deviationFiles];
  return ok({
    intake,
    sources: all.map((f) => ({
      kind: f.kind,
      name: f.name,
      bytes: f.bytes.byteLength,
      sha256: sha256(f.bytes),
    })),
    loadMs,
    parseMs: performance.now() - parseStarted,
  });
}

/**
 * The digest a sync records for its input: the content of every source (order-independent within a kind;
 * trust anchors left out, since they change no row), the `source` column value, and the DSC options.
 */
export function inputDigest(
  sources: readonly SourceReport[],
  sourceLabel: string,
  options: Pick<CollectOptions, "keepUnverifiableDsc" | "excludeNonConformant"> = {},
): string {
  const hash = createHash("sha256").update(`icao-sync input v1\nsource=${sourceLabel}\n`);
  // Options that change which rows are stored change the digest; left at their defaults, they add nothing.
  if (options.keepUnverifiableDsc === true) hash.update("keep-unverifiable-dsc\n");
  if (options.excludeNonConformant === true) hash.update("exclude-non-conformant\n");
  for (const kind of ["master_list", "ldif", "crl", "csca", "deviation_list"] as const) {
    // A source named twice adds no row, so it must not change the digest either.
    const digests = [...new Set(sources.filter((s) => s.kind === kind).map((s) => s.sha256))].sort();
    // The kinds added later count only when given, so the digests of earlier inputs stay as they were.
    if (digests.length === 0 && (kind === "csca" || kind === "deviation_list")) continue;
    hash.update(`${kind}:${digests.join(",")}\n`);
  }
  return hash.digest("hex");
}
