import { createHash } from "node:crypto";
import { type Logger, silentLogger } from "@certs/db";
import { type AppError, appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { CertificateSummary } from "../parse/certificate-summary.js";
import { type ParsedCrl, parseCrl } from "../parse/crl.js";
import { loadSource } from "../download/load-source.js";
import { redactSourceUrl } from "../download/source-url.js";
import { parseLdif } from "../parse/ldif.js";
import { parseMasterList } from "../parse/master-list.js";
import type { ParseLimits } from "../parse/parse-limits.js";
import { loadTrustAnchors, type TrustAnchor } from "../verify/trust-anchors.js";
import { TrustedCscas } from "../verify/trusted-cscas.js";
import { CrlAdmission, type StoredCrlFacts } from "./crl-admission.js";
import type { TrustStoreContent } from "../trust-store/trust-store-rows.js";
import type { SourceDownloadOptions, SourceLoader } from "./source-loader.js";
import type { SourceKind, SyncInput, SyncSource } from "./sync-input.js";
import {
  type ListVerificationReport,
  reportListVerification,
  type VerificationReport,
} from "./verification-report.js";

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

/** Everything read from the sources, ready to become rows. */
export interface CollectedSources {
  readonly content: Required<TrustStoreContent>;
  readonly verification: VerificationReport;
  readonly sources: readonly SourceReport[];
  readonly loadMs: number;
  readonly parseMs: number;
  /** The anchors and the CSCAs of the verified lists: what CRLs and DSCs read later are checked against. */
  readonly trusted: TrustedCscas;
  /** Decides (and counts) the CRLs read so far; the sync hands it the CRLs it streams later. */
  readonly crlAdmission: CrlAdmission;
}

/**
 * Which sources `collectSources` reads: all of them, or all but the LDIF files, which a sync streams into
 * the database itself (they still count as sources given).
 */
export interface CollectScope {
  readonly ldif: "parse" | "defer";
  /** The CRLs already stored, by issuer, so that none is replaced by an older one. */
  readonly storedCrls?: ReadonlyMap<string, StoredCrlFacts>;
}

interface Loaded {
  readonly kind: SourceKind;
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Refused inputs listed in a report; the counts cover them all. */
export const MAX_REFUSED_REPORTED = 100;

/** What a verification report says about a master list nested in an LDIF entry. */
export function nestedListReport(report: ListVerificationReport): ListVerificationReport {
  return {
    ...report,
    signers: report.signers.map((s) => ({
      ...s,
      chainNote: s.chainNote === null ? null : NESTED_CHAIN_NOTE,
    })),
  };
}

const NESTED_CHAIN_NOTE =
  "nested PKD master lists are checked for their signature; their signers chain to their own country's CSCA, not to the trust anchors";

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

/**
 * Loads every source, then parses it (and verifies master lists unless `verify` is false). The first source
 * that cannot be read or parsed, or whose signature does not verify, ends the collection with its error,
 * named after the source. Reads nothing from and writes nothing to any database.
 */
export async function collectSources(
  input: SyncInput,
  options: CollectOptions = {},
  scope: CollectScope = { ldif: "parse" },
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
  ] as const) {
    const loaded = await loadAll(kind, sources, options, logger);
    if (!loaded.ok) return loaded;
    loadedByKind.push(loaded.value);
  }
  const [anchorFiles = [], listFiles = [], ldifFiles = [], crlFiles = []] = loadedByKind;
  const loadMs = performance.now() - loadStarted;
  const ldifCount = scope.ldif === "parse" ? ldifFiles.length : (input.ldif?.length ?? 0);
  if (listFiles.length + ldifCount + crlFiles.length === 0) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        "No master list, LDIF or CRL source was given; name at least one.",
      ),
    );
  }
  if (options.signal?.aborted === true) return err(cancelled());

  const parseStarted = performance.now();
  let trustAnchors: TrustAnchor[] = [];
  const trusted = new TrustedCscas();
  for (const file of anchorFiles) {
    const anchors = loadTrustAnchors([file.bytes], limits);
    if (!anchors.ok) return err(aboutSource(anchors.error, file.name));
    trustAnchors = [...trustAnchors, ...anchors.value];
    for (const anchor of anchors.value) trusted.add(anchor.certificate, anchor.publicKey);
  }
  const crlAdmission = new CrlAdmission(trusted, {
    verify,
    clock: options.clock ?? (() => new Date()),
    strict: options.strict === true,
    allowCrlRollback: options.allowCrlRollback === true,
    stored: scope.storedCrls ?? new Map(),
  });
  const admitted = (crl: ParsedCrl, source: string): Result<boolean> => crlAdmission.admit(crl, source);
  if (!verify) {
    logger.warn({}, "verification is off: master list signatures and chains are not checked");
  } else if (trustAnchors.length === 0 && listFiles.length > 0) {
    logger.warn({}, "no trust anchor given: master list signatures are checked but their chains are not");
  }

  const cscas: CertificateSummary[] = [];
  const dscs: CertificateSummary[] = [];
  const crls: ParsedCrl[] = [];
  const reports: ListVerificationReport[] = [];
  const clock = options.clock === undefined ? {} : { clock: options.clock };

  const listCrls: { crl: ParsedCrl; source: string }[] = [];
  for (const file of listFiles) {
    const list = parseMasterList(file.bytes, { verify, trustAnchors, ...clock, ...limits });
    if (!list.ok) return err(aboutSource(list.error, file.name));
    cscas.push(...list.value.cscas);
    // Its signer chained to an anchor (or the caller allowed lists without one): its certList is trusted.
    if (verify) for (const csca of list.value.cscas) trusted.add(csca);
    // SignedData.crls are outside the signed content: each must verify on its own, like any CRL.
    for (const crl of list.value.crls) listCrls.push({ crl, source: `${file.name} (SignedData.crls)` });
    const report = reportListVerification(file.name, list.value);
    reports.push(report);
    logger.info(
      {
        source: file.name,
        certificates: report.certificates,
        signature: report.signature,
        chain: report.chain,
      },
      "master list read",
    );
  }

  for (const { crl, source } of listCrls) {
    const admit = admitted(crl, source);
    if (!admit.ok) return admit;
    if (admit.value) crls.push(crl);
  }

  for (const file of ldifFiles) {
    const ldif = parseLdif(file.bytes, { masterList: { verify, ...clock, ...limits }, ...limits });
    if (!ldif.ok) return err(aboutSource(ldif.error, file.name));
    dscs.push(...ldif.value.dscs.map((d) => d.certificate));
    for (const nested of ldif.value.masterLists) {
      cscas.push(...nested.masterList.cscas);
      for (const crl of nested.masterList.crls) {
        const admit = admitted(crl, `${file.name} (${nested.dn})`);
        if (!admit.ok) return admit;
        if (admit.value) crls.push(crl);
      }
      reports.push(
        nestedListReport(reportListVerification(`${file.name} (${nested.dn})`, nested.masterList)),
      );
    }
    logger.info(
      {
        source: file.name,
        entries: ldif.value.entries,
        dscs: ldif.value.dscs.length,
        crls: ldif.value.crls.length,
        masterLists: ldif.value.masterLists.length,
      },
      "LDIF read",
    );
    for (const { crl, dn } of ldif.value.crls) {
      const admit = admitted(crl, `${file.name} (${dn})`);
      if (!admit.ok) return admit;
      if (admit.value) crls.push(crl);
    }
  }

  for (const file of crlFiles) {
    const crl = parseCrl(file.bytes, limits);
    if (!crl.ok) return err(aboutSource(crl.error, file.name));
    const admit = admitted(crl.value, file.name);
    if (!admit.ok) return admit;
    if (admit.value) crls.push(crl.value);
  }

  const all = [...anchorFiles, ...listFiles, ...ldifFiles, ...crlFiles];
  return ok({
    content: { cscas, dscs, crls },
    verification: {
      enabled: verify,
      lists: reports,
      crls: crlAdmission.report(),
      refused: crlAdmission.refused.slice(0, MAX_REFUSED_REPORTED),
    },
    sources: all.map((f) => ({
      kind: f.kind,
      name: f.name,
      bytes: f.bytes.byteLength,
      sha256: sha256(f.bytes),
    })),
    loadMs,
    parseMs: performance.now() - parseStarted,
    trusted,
    crlAdmission,
  });
}

/**
 * The digest a sync records for its input: the content of every source (order-independent within a kind;
 * trust anchors left out, since they change no row) and the `source` column value.
 */
export function inputDigest(sources: readonly SourceReport[], sourceLabel: string): string {
  const hash = createHash("sha256").update(`icao-sync input v1\nsource=${sourceLabel}\n`);
  for (const kind of ["master_list", "ldif", "crl"] as const) {
    // A source named twice adds no row, so it must not change the digest either.
    const digests = [...new Set(sources.filter((s) => s.kind === kind).map((s) => s.sha256))].sort();
    hash.update(`${kind}:${digests.join(",")}\n`);
  }
  return hash.digest("hex");
}
