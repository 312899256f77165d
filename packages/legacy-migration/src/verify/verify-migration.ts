import { databaseError, placeholders, sqlDialect } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { loadMappingFiles, type MappingFilePaths } from "../mapping/mapping-files.js";
import { Ledger } from "../migration/ledger.js";
import { LegacyCertificateReader, type LegacyCertificate } from "../migration/legacy-certificates.js";
import type { MigrationSources } from "../migration/migration-session.js";
import { planCertificate } from "../migration/plan-certificate.js";
import { ReferenceData } from "../migration/reference-data.js";
import { validateSelection, type RunSelectionOptions } from "../migration/run-selection.js";
import { selectedRecordPages } from "../migration/selected-records.js";
import { DEFAULT_LEGACY_TIME_ZONE, validateTimeZone } from "../rules/legacy-date.js";
import { LEDGER_TABLES } from "../schema/ledger-schema.js";
import { compareCertificate, type StoredMigration } from "./compare-certificate.js";
import { destinationDiscrepancies } from "./destination-checks.js";
import type { Discrepancy, DiscrepancyKind, VerificationSummary } from "./discrepancy.js";
import { DiscrepancyWriter } from "./discrepancy-writer.js";
import { readStoredMigrations } from "./stored-migrations.js";

/** Options of {@link verifyMigration}: the migration's own settings and selection. */
export interface VerifyMigrationOptions extends RunSelectionOptions {
  /** The mapping files the migration used (see `mappingFilePaths(directory)`). */
  readonly mappingFiles: MappingFilePaths;
  /** The zone of legacy wall-clock dates (default `Asia/Dubai`), as given to the migration. */
  readonly timeZone?: string;
  /** The `country_id` the migration wrote (default 231). */
  readonly countryId?: number;
  /** Legacy records read per query (default 1000). */
  readonly pageSize?: number;
  /** Write every discrepancy here: `.json` gives JSON, anything else an .xlsx workbook. */
  readonly reportPath?: string;
  /** Called with every discrepancy as it is found. */
  readonly onDiscrepancy?: (discrepancy: Discrepancy) => void;
}

type Rows = Array<Record<string, unknown>>;

/** Pages read from both databases while the current one is compared (each at most `pageSize` records). */
const READ_AHEAD_PAGES = 3;

/**
 * Pulls `source` ahead of its consumer into a buffer of at most `depth` items, so the reads behind it wait
 * on the databases while the consumer computes.
 */
async function* readAhead<T>(source: AsyncGenerator<T>, depth: number): AsyncGenerator<T> {
  const buffer: Array<IteratorResult<T>> = [];
  let wake: (() => void) | undefined;
  let space: (() => void) | undefined;
  let stopped = false;
  let failure: { readonly error: unknown } | undefined;
  const pump = (async () => {
    try {
      for (;;) {
        while (buffer.length >= depth && !stopped) await new Promise<void>((resolve) => (space = resolve));
        if (stopped) return;
        const next = await source.next();
        buffer.push(next);
        wake?.();
        if (next.done === true) return;
      }
    } catch (error) {
      failure = { error };
      wake?.();
    }
  })();
  try {
    for (;;) {
      while (buffer.length === 0) {
        if (failure !== undefined) throw failure.error;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const next = buffer.shift() as IteratorResult<T>;
      space?.();
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    stopped = true;
    space?.();
    await pump;
    await source.return(undefined);
  }
}

/**
 * The reference data as the migration read it (`references`: the technicians mapping without the entries for
 * technicians it created) and as a later run reads it (`laterReferences`, the same object when it created
 * none). A function of its own so the renewal counts, the created technicians and the certificates mapping
 * (not read at all: the ledger is the record of what was migrated) are not held while certificates are
 * compared.
 */
async function loadReferences(
  destination: MigrationSources["destination"],
  reader: LegacyCertificateReader,
  ledger: Ledger,
  mappingFiles: MappingFilePaths,
): Promise<Result<{ references: ReferenceData; laterReferences: ReferenceData }>> {
  const mappings = await loadMappingFiles(mappingFiles, { certificates: false });
  if (!mappings.ok) return mappings;
  const maxRenewal = await reader.maxRenewalCounts();
  if (!maxRenewal.ok) return maxRenewal;
  const created = await ledger.createdTechnicians();
  if (!created.ok) return created;
  const createdIds = new Set(created.value.map((t) => t.technicianId));
  const references = await ReferenceData.load(
    destination,
    {
      ...mappings.value,
      technicians: mappings.value.technicians.filter((t) => !createdIds.has(t.technicianId)),
    },
    maxRenewal.value,
  );
  if (!references.ok) return references;
  return ok({
    references: references.value,
    laterReferences: createdIds.size === 0 ? references.value : references.value.withMappings(mappings.value),
  });
}

/**
 * The sign-off check: for the selected legacy records, counts legacy, ledger, failure and destination rows;
 * recomputes every certificate the ledger says this library migrated from its legacy record with the
 * migration's own rules (`planCertificate`) and compares the certificate, its vehicle, its technicians and its
 * device's blocked flag column by column; then looks for orphan vehicles, certificates without a ledger row,
 * duplicate serials and duplicate technicians in the whole destination. Read only; streams a page of records
 * at a time (bounded memory), and writes every discrepancy to `reportPath` when given. Ok with the summary
 * (`clean` says whether anything was found); err when it cannot run.
 */
export async function verifyMigration(
  sources: MigrationSources,
  options: VerifyMigrationOptions,
): Promise<Result<VerificationSummary>> {
  const started = performance.now();
  const selection = validateSelection(options);
  if (!selection.ok) return selection;
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        `pageSize must be a whole number from 1 to 10000, not ${pageSize}.`,
      ),
    );
  }
  const zone = validateTimeZone(options.timeZone ?? DEFAULT_LEGACY_TIME_ZONE);
  if (!zone.ok) return zone;
  const countryId = options.countryId ?? 231;
  const dialect = sqlDialect(sources.destination);
  if (!dialect.ok) return dialect;
  const query = (sql: string, params: unknown[]): Promise<Rows> => sources.destination.query(sql, params);

  try {
    await query(`SELECT 1 FROM ${LEDGER_TABLES.ledger} WHERE 1 = 0`, []);
    await query(`SELECT 1 FROM ${LEDGER_TABLES.failures} WHERE 1 = 0`, []);
  } catch (error) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        `The destination has no ${LEDGER_TABLES.ledger} table: no migration ran into it; check the destination URL.`,
        { cause: error },
      ),
    );
  }
  const opened = await LegacyCertificateReader.open(sources.legacy);
  if (!opened.ok) return opened;
  const reader = opened.value;
  const idsChecked = reader.checkIds(selection.value.ids);
  if (!idsChecked.ok) return idsChecked;
  const ledger = new Ledger(sources.destination, dialect.value);
  const loaded = await loadReferences(sources.destination, reader, ledger, options.mappingFiles);
  if (!loaded.ok) return loaded;
  const { references, laterReferences } = loaded.value;

  let writer: DiscrepancyWriter | undefined;
  if (options.reportPath !== undefined) {
    const opened = await DiscrepancyWriter.create(options.reportPath);
    if (!opened.ok) return opened;
    writer = opened.value;
  }
  const byKind: Partial<Record<DiscrepancyKind, number>> = {};
  let discrepancies = 0;
  const report = async (found: Discrepancy): Promise<void> => {
    discrepancies += 1;
    byKind[found.kind] = (byKind[found.kind] ?? 0) + 1;
    options.onDiscrepancy?.(found);
    await writer?.add(found);
  };

  const counts = {
    legacy: 0,
    ledger: 0,
    recomputed: 0,
    imported: 0,
    failures: 0,
    pending: 0,
    certificates: 0,
    vehicles: 0,
  };
  const chosen = selection.value;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const d = dialect.value;

  // Pages are read from both databases while earlier ones are compared (readAhead).
  async function* pages(): AsyncGenerator<
    Result<{ records: LegacyCertificate[]; stored: StoredMigration[]; failed: Set<number> }>
  > {
    let seen = 0;
    for await (const page of selectedRecordPages(reader, ledger, chosen, pageSize)) {
      if (!page.ok) {
        yield page;
        return;
      }
      const records = page.value.slice(0, Math.max(0, limit - seen));
      seen += records.length;
      const ids = records.map((r) => r.id);
      try {
        const [stored, failedRows] = await Promise.all([
          readStoredMigrations(query, d, ids),
          ids.length === 0
            ? Promise.resolve([] as Rows)
            : query(
                `SELECT legacy_certificate_id AS id FROM ${LEDGER_TABLES.failures} WHERE legacy_certificate_id IN (${placeholders(d, ids.length)})`,
                ids,
              ),
        ]);
        yield ok({ records, stored, failed: new Set(failedRows.map((row) => Number(row["id"]))) });
      } catch (error) {
        yield err(databaseError(error, "could not read the migrated rows of the destination"));
        return;
      }
      if (seen >= limit) return;
    }
  }

  const finish = async (result: Result<VerificationSummary>): Promise<Result<VerificationSummary>> => {
    if (!result.ok) {
      await writer?.discard();
      return result;
    }
    if (writer === undefined) return result;
    const written = await writer.finish(result.value);
    return written.ok ? result : written;
  };

  const compareSettings = { countryId, deviceBlocked: (id: string) => references.deviceBlocked(id) };
  for await (const page of readAhead(pages(), READ_AHEAD_PAGES)) {
    if (!page.ok) return finish(page);
    const { records, stored, failed } = page.value;
    const byLegacyId = new Map(stored.map((row) => [row.legacyId, row]));
    for (const record of records) {
      counts.legacy += 1;
      const row = byLegacyId.get(record.id);
      if (failed.has(record.id)) counts.failures += 1;
      if (row === undefined) {
        if (!failed.has(record.id)) counts.pending += 1;
        continue;
      }
      counts.ledger += 1;
      if (row.certificate !== null) counts.certificates += 1;
      if (row.vehicle !== null) counts.vehicles += 1;
      if (failed.has(record.id)) {
        await report({
          kind: "failure_of_migrated",
          legacyId: record.id,
          certificateId: row.newCertificateId,
          table: LEDGER_TABLES.failures,
          column: null,
          expected: null,
          actual: null,
          message: `Legacy certificate ${record.id} is in the ledger but still has a failure row.`,
        });
      }
      if (row.source !== "migrated") {
        counts.imported += 1;
        continue;
      }
      counts.recomputed += 1;
      const planned = planCertificate(record, references, zone.value);
      const settings =
        laterReferences === references
          ? compareSettings
          : { ...compareSettings, laterRunPlan: () => planCertificate(record, laterReferences, zone.value) };
      for (const found of compareCertificate(record, planned, row, settings)) await report(found);
    }
  }

  let tables: VerificationSummary["tables"];
  try {
    for await (const found of destinationDiscrepancies(query, d)) await report(found);
    const countOf = async (table: string): Promise<number> =>
      Number((await query(`SELECT COUNT(*) AS n FROM ${table}`, []))[0]?.["n"] ?? 0);
    tables = {
      certificates: await countOf("certificates"),
      vehicles: await countOf("vehicles"),
      technicians: await countOf("technicians"),
      ledger: await countOf(LEDGER_TABLES.ledger),
      failures: await countOf(LEDGER_TABLES.failures),
    };
  } catch (error) {
    return finish(err(databaseError(error, "could not check the destination tables")));
  }
  const elapsedMs = performance.now() - started;
  return finish(
    ok({
      clean: discrepancies === 0,
      legacyRecords: counts.legacy,
      ledgerRows: counts.ledger,
      recomputed: counts.recomputed,
      imported: counts.imported,
      failures: counts.failures,
      pending: counts.pending,
      destinationCertificates: counts.certificates,
      destinationVehicles: counts.vehicles,
      tables,
      discrepancies,
      discrepanciesByKind: byKind,
      elapsedMs,
      ratePerSecond: elapsedMs > 0 ? (counts.legacy * 1000) / elapsedMs : 0,
      ...(options.reportPath === undefined ? {} : { reportPath: options.reportPath }),
    }),
  );
}
