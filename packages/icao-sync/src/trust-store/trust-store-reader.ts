import { createHash } from "node:crypto";
import { databaseError } from "@certs/db";
import { findDeviations } from "./deviation-list-store.js";
import { err, ok, type Result } from "@certs/result";
import type pg from "pg";
import { type CertificateSummary, summarizeCertificateDer } from "../parse/certificate-summary.js";
import { type ParsedCrl, parseCrl } from "../parse/crl.js";
import { defaultParseLimits } from "../parse/parse-limits.js";
import type { SignerIdentifier } from "../parse/signed-data.js";
import type { ProvenanceStatus } from "./trust-store-rows.js";

/** A stored `root_ca` or `dsc` row, parsed. */
export interface StoredCertificate {
  readonly certificate: CertificateSummary;
  /** The row's `source` column (e.g. `icao-masterlist`). */
  readonly source: string | null;
  /** Its `icao_sync_provenance` status, or null when the store has none for it. */
  readonly provenance: ProvenanceStatus | null;
}

/** A stored `crls` row, parsed. */
export interface StoredCrl {
  readonly crl: ParsedCrl;
  readonly source: string | null;
  readonly provenance: ProvenanceStatus | null;
}

/** A stored deviation (ICAO 9303-12 deviation list) that affects a certificate. */
export interface StoredDeviation {
  /** The deviation's OID (the defect type). */
  readonly oid: string;
  /** Its parameters as stored (text), or null. */
  readonly parameters: string | null;
  readonly description: string | null;
  /** The deviation list it came from. */
  readonly source: string | null;
}

/**
 * What passive authentication asks of a trust store. `TrustStoreReader` answers from the PostgreSQL tables a
 * sync writes; consumers with another store implement it themselves.
 */
export interface TrustStoreLookup {
  /** Stored CSCAs and link certificates (`root_ca`) whose subject is `subject` (RFC 4514, case-insensitive). */
  cscasBySubject(subject: string): Promise<Result<readonly StoredCertificate[]>>;
  /** Stored DSCs (`dsc`) a SignerInfo names, for SODs that do not carry their DSC. */
  dscsBySignerIdentifier(id: SignerIdentifier): Promise<Result<readonly StoredCertificate[]>>;
  /** Stored CRLs whose issuer is `issuer` (RFC 4514, case-insensitive). */
  crlsByIssuer(issuer: string): Promise<Result<readonly StoredCrl[]>>;
  /** Stored deviations affecting `dsc`; none when the store has no `deviation_list` table. */
  deviationsFor(dsc: CertificateSummary): Promise<Result<readonly StoredDeviation[]>>;
}

/** Options of `TrustStoreReader`. */
export interface TrustStoreReaderOptions {
  /** How long answers are reused before the tables are read again; default 30 s (a sync replaces them). */
  readonly maxAgeMs?: number;
  /** Most CRL issuers and DSC identifiers kept; default 2,000 each. */
  readonly maxCachedKeys?: number;
  /** Default the system clock. */
  readonly clock?: () => Date;
  /**
   * A value that changes whenever the store was replaced (e.g. when the caller's last sync ended): every cached
   * answer is dropped as soon as it differs, so a sync is seen at once rather than after `maxAgeMs`.
   */
  readonly storeVersion?: () => unknown;
}

interface CscaIndex {
  readonly bySubject: ReadonlyMap<string, StoredCertificate[]>;
  readonly byKeyIdentifier: ReadonlyMap<string, StoredCertificate[]>;
}

interface CertificateRead {
  certificate: Buffer;
  source: string | null;
  status: ProvenanceStatus | null;
}

function storedCertificate(row: CertificateRead): StoredCertificate | null {
  try {
    return {
      certificate: summarizeCertificateDer(new Uint8Array(row.certificate), defaultParseLimits),
      source: row.source,
      provenance: row.status,
    };
  } catch {
    // A row that does not parse cannot vouch for anything; it is skipped, not fatal.
    return null;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * Reads the trust store a sync wrote (`root_ca`, `dsc`, `crls`, `icao_sync_provenance`, and `deviation_list`
 * when it exists) over a `pg.Pool`. `root_ca` is small (hundreds of rows) and has no subject column, so it is
 * read whole into an index by subject and SKI; CRLs and DSCs are queried per issuer or identifier. Every
 * answer is cached for `maxAgeMs`, so checking many documents costs few queries. Failures are DATABASE_ERRORs.
 */
export class TrustStoreReader implements TrustStoreLookup {
  private readonly maxAgeMs: number;
  private readonly maxKeys: number;
  private readonly clock: () => Date;
  private readonly storeVersion: (() => unknown) | undefined;
  private seenVersion: unknown;
  private loadedAt = 0;
  private cscas: Promise<Result<CscaIndex>> | null = null;
  private readonly crls = new Map<string, Promise<Result<readonly StoredCrl[]>>>();
  private readonly dscs = new Map<string, Promise<Result<readonly StoredCertificate[]>>>();
  private readonly deviations = new Map<string, Promise<Result<readonly StoredDeviation[]>>>();
  private deviationTable: Promise<Result<boolean>> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    options: TrustStoreReaderOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 30_000;
    this.maxKeys = options.maxCachedKeys ?? 2_000;
    this.clock = options.clock ?? (() => new Date());
    this.storeVersion = options.storeVersion;
    this.seenVersion = this.storeVersion?.();
  }

  /** Forgets every cached answer (call it after a sync to see the new store at once). */
  clear(): void {
    this.cscas = null;
    this.crls.clear();
    this.dscs.clear();
    this.deviations.clear();
    this.deviationTable = null;
    this.loadedAt = this.clock().getTime();
  }

  async cscasBySubject(subject: string): Promise<Result<readonly StoredCertificate[]>> {
    const index = await this.cscaIndex();
    if (!index.ok) return index;
    return ok(index.value.bySubject.get(subject.toLowerCase()) ?? []);
  }

  /** Stored CSCAs and link certificates whose subjectKeyIdentifier is `keyIdentifier` (lowercase hex). */
  async cscasByKeyIdentifier(keyIdentifier: string): Promise<Result<readonly StoredCertificate[]>> {
    const index = await this.cscaIndex();
    if (!index.ok) return index;
    return ok(index.value.byKeyIdentifier.get(keyIdentifier.toLowerCase()) ?? []);
  }

  dscsBySignerIdentifier(id: SignerIdentifier): Promise<Result<readonly StoredCertificate[]>> {
    this.expire();
    const key =
      id.kind === "subjectKeyIdentifier"
        ? `ski:${id.keyIdentifier}`
        : `isn:${id.serialNumber}:${id.issuer.toLowerCase()}`;
    return this.cached(this.dscs, key, async () => {
      const where =
        id.kind === "subjectKeyIdentifier"
          ? { sql: "d.subject_key_identifier = $1", values: [id.keyIdentifier] }
          : { sql: "d.isn = $1 AND lower(d.issuer) = lower($2)", values: [id.serialNumber, id.issuer] };
      try {
        const rows = await this.pool.query<CertificateRead>(
          `SELECT d.certificate, d.source, p.status FROM dsc d
           LEFT JOIN icao_sync_provenance p ON p.table_name = 'dsc' AND p.row_id = d.id
           WHERE ${where.sql}`,
          where.values,
        );
        return ok(rows.rows.map(storedCertificate).filter((c): c is StoredCertificate => c !== null));
      } catch (cause) {
        return err(databaseError(cause, "The stored DSCs cannot be read (is the schema migrated?)"));
      }
    });
  }

  crlsByIssuer(issuer: string): Promise<Result<readonly StoredCrl[]>> {
    this.expire();
    return this.cached(this.crls, issuer.toLowerCase(), async () => {
      try {
        const rows = await this.pool.query<{
          crl: Buffer;
          source: string | null;
          status: ProvenanceStatus | null;
        }>(
          `SELECT c.crl, c.source, p.status FROM crls c
           LEFT JOIN icao_sync_provenance p ON p.table_name = 'crls' AND p.row_id = c.id
           WHERE lower(c.issuer) = lower($1)`,
          [issuer],
        );
        const found: StoredCrl[] = [];
        for (const row of rows.rows) {
          const parsed = parseCrl(new Uint8Array(row.crl));
          if (parsed.ok) found.push({ crl: parsed.value, source: row.source, provenance: row.status });
        }
        return ok(found);
      } catch (cause) {
        return err(databaseError(cause, "The stored CRLs cannot be read (is the schema migrated?)"));
      }
    });
  }

  deviationsFor(dsc: CertificateSummary): Promise<Result<readonly StoredDeviation[]>> {
    this.expire();
    // Keyed by the DSC's digest: a deviation may name it by issuer and serial, SKI or the digest itself.
    const key = createHash("sha256").update(dsc.der).digest("hex");
    return this.cached(this.deviations, key, async () => {
      this.deviationTable ??= this.hasDeviationTable();
      const present = await this.deviationTable;
      if (!present.ok) {
        this.deviationTable = null;
        return present;
      }
      if (!present.value) return ok([]);
      const found = await findDeviations(this.pool, {
        issuer: dsc.issuer,
        serialNumber: dsc.serialNumber,
        subjectKeyIdentifier: dsc.subjectKeyIdentifier,
        der: dsc.der,
      });
      if (!found.ok) return found;
      return ok(
        found.value.map((d) => ({
          oid: d.deviationType,
          parameters: d.parameters,
          description: d.description,
          source: d.source,
        })),
      );
    });
  }

  private async hasDeviationTable(): Promise<Result<boolean>> {
    try {
      const rows = await this.pool.query<{ present: boolean }>(
        "SELECT to_regclass('deviation_list') IS NOT NULL AS present",
      );
      return ok(rows.rows[0]?.present === true);
    } catch (cause) {
      return err(databaseError(cause, "The trust store cannot be read"));
    }
  }

  private cscaIndex(): Promise<Result<CscaIndex>> {
    this.expire();
    this.cscas ??= this.loadCscas().then((loaded) => {
      // A failed read is not cached: the next document asks again.
      if (!loaded.ok) this.cscas = null;
      return loaded;
    });
    return this.cscas;
  }

  private async loadCscas(): Promise<Result<CscaIndex>> {
    let rows: CertificateRead[];
    try {
      rows = (
        await this.pool.query<CertificateRead>(
          `SELECT r.certificate, r.source, p.status FROM root_ca r
           LEFT JOIN icao_sync_provenance p ON p.table_name = 'root_ca' AND p.row_id = r.id`,
        )
      ).rows;
    } catch (cause) {
      return err(databaseError(cause, "The stored CSCAs cannot be read (is the schema migrated?)"));
    }
    const bySubject = new Map<string, StoredCertificate[]>();
    const byKeyIdentifier = new Map<string, StoredCertificate[]>();
    for (const row of rows) {
      const stored = storedCertificate(row);
      if (stored === null) continue;
      push(bySubject, stored.certificate.subject.toLowerCase(), stored);
      const ski = stored.certificate.subjectKeyIdentifier;
      if (ski !== null) push(byKeyIdentifier, ski, stored);
    }
    return ok({ bySubject, byKeyIdentifier });
  }

  private cached<T>(
    map: Map<string, Promise<Result<T>>>,
    key: string,
    load: () => Promise<Result<T>>,
  ): Promise<Result<T>> {
    const known = map.get(key);
    if (known !== undefined) return known;
    // Bounded: a stream of documents from many issuers must not grow the cache without limit.
    if (map.size >= this.maxKeys) map.clear();
    const loading = load().then((loaded) => {
      if (!loaded.ok) map.delete(key);
      return loaded;
    });
    map.set(key, loading);
    return loading;
  }

  private expire(): void {
    if (this.storeVersion !== undefined) {
      const version = this.storeVersion();
      if (version !== this.seenVersion) {
        this.seenVersion = version;
        this.clear();
        return;
      }
    }
    const now = this.clock().getTime();
    if (now - this.loadedAt > this.maxAgeMs || now < this.loadedAt) this.clear();
  }
}
