import { randomBytes } from "node:crypto";
import { type Logger, redactUrl, silentLogger, sqlDialect, type SqlDialect } from "@certs/db";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { DataSource } from "typeorm";
import { loadMappingFiles, type MappingFilePaths, type MappingFiles } from "../mapping/mapping-files.js";
import { writeCertificateMappings, writeTechnicianMappings } from "../mapping/mapping-file-writers.js";
import { DEFAULT_LEGACY_TIME_ZONE, validateTimeZone } from "../rules/legacy-date.js";
import { ensureLedgerTables } from "../schema/ledger-schema.js";
import { supportsInsertReturning } from "../schema/sql-dialect.js";
import { Ledger } from "./ledger.js";
import {
  LegacyCertificateReader,
  type LegacyCertificate,
  type LegacySelection,
} from "./legacy-certificates.js";
import { migrateGroup, type GroupContext, type GroupResult } from "./migrate-group.js";
import { identityOf, type CertificateOutcome } from "./outcomes.js";
import { planCertificate, type PlanResult } from "./plan-certificate.js";
import { ReferenceData } from "./reference-data.js";
import { selectedRecordPages, type RecordSelection } from "./selected-records.js";

/** The two databases: legacy (read only) and destination, each MySQL/MariaDB or PostgreSQL. */
export interface MigrationSources {
  readonly legacy: DataSource;
  readonly destination: DataSource;
}

/** Settings shared by the interactive and the automated modes. */
export interface MigrationSettings {
  /** Where the four mapping files are (see `mappingFilePaths(directory)`). */
  readonly mappingFiles: MappingFilePaths;
  /** The zone of legacy wall-clock dates (default `Asia/Dubai`). */
  readonly timeZone?: string;
  /** `country_id` of the rows the migration creates (default 231, the United Arab Emirates). */
  readonly countryId?: number;
  /** Names this run in the ledger (default: the start time and a random suffix). */
  readonly runId?: string;
  /** Do everything inside transactions that roll back: nothing is written, files included. */
  readonly dryRun?: boolean;
  /** The time source (default `() => new Date()`). */
  readonly clock?: () => Date;
  readonly logger?: Logger;
  /** How often a group of certificates is tried after a deadlock or lost connection (default 5). */
  readonly maxAttempts?: number;
}

/** Which pending records to go through. */
export type PendingSelection = RecordSelection;

/** One page of the selection: the records still to migrate, and those the ledger says are done. */
export interface PendingPage {
  readonly pending: readonly LegacyCertificate[];
  readonly alreadyMigrated: readonly LegacyCertificate[];
}

/**
 * An open migration: mapping files read and validated, caches preloaded, ledger tables present and the old
 * tool's certificates_mappings.json imported into the ledger. Both modes drive it: the automated runner with
 * many workers, an interactive front end one certificate at a time (`preview`, then `migrate` or `skip`).
 */
export class MigrationSession {
  private constructor(
    private readonly sources: MigrationSources,
    /** The destination's SQL dialect. */
    readonly dialect: SqlDialect,
    /** The mapping files, as read at the start. */
    readonly mappings: MappingFiles,
    private readonly reader: LegacyCertificateReader,
    private readonly ledger: Ledger,
    private readonly context: GroupContext,
    /** Legacy ids of certificates_mappings.json, consulted directly in a dry run (which imports nothing). */
    private readonly importedIds: ReadonlySet<number>,
  ) {}

  /** This run's id, as written in the ledger. */
  get runId(): string {
    return this.context.runId;
  }

  /** Whether nothing is written. */
  get dryRun(): boolean {
    return this.context.dryRun;
  }

  /** Opens a migration; any problem with settings, files or databases is an err naming it. */
  static async open(
    sources: MigrationSources,
    settings: MigrationSettings,
  ): Promise<Result<MigrationSession>> {
    const zone = validateTimeZone(settings.timeZone ?? DEFAULT_LEGACY_TIME_ZONE);
    if (!zone.ok) return zone;
    const countryId = settings.countryId ?? 231;
    if (!Number.isInteger(countryId) || countryId < 0) {
      return err(
        appError(
          ErrorCode.CONFIGURATION_ERROR,
          `The country id ${countryId} must be a non-negative integer.`,
        ),
      );
    }
    // Either side may be MySQL/MariaDB or PostgreSQL; any other driver is refused before anything is read.
    const legacyDialect = sqlDialect(sources.legacy);
    if (!legacyDialect.ok) return legacyDialect;
    const dialect = sqlDialect(sources.destination);
    if (!dialect.ok) return dialect;
    const clock = settings.clock ?? (() => new Date());
    const runId = settings.runId ?? `${clock().toISOString()}-${randomBytes(3).toString("hex")}`;
    const dryRun = settings.dryRun ?? false;

    const mappings = await loadMappingFiles(settings.mappingFiles);
    if (!mappings.ok) return mappings;
    const ledgerTables = await ensureLedgerTables(sources.destination);
    if (!ledgerTables.ok) return ledgerTables;
    const reader = await LegacyCertificateReader.open(sources.legacy);
    if (!reader.ok) return reader;
    const maxRenewal = await reader.value.maxRenewalCounts();
    if (!maxRenewal.ok) return maxRenewal;
    const references = await ReferenceData.load(sources.destination, mappings.value, maxRenewal.value);
    if (!references.ok) return references;

    const ledger = new Ledger(sources.destination, dialect.value);
    if (!dryRun) {
      const imported = await ledger.importCertificateMappings(mappings.value.certificates, runId, clock());
      if (!imported.ok) return imported;
      const cleared = await ledger.clearFailuresOfMigrated();
      if (!cleared.ok) return cleared;
    }
    const multiRowInserts = await supportsInsertReturning(sources.destination, dialect.value);
    if (!multiRowInserts.ok) return multiRowInserts;

    const logger = settings.logger ?? silentLogger;
    for (const file of mappings.value.missing)
      logger.warn({ file }, "a mapping file does not exist; read as empty");
    return ok(
      new MigrationSession(
        sources,
        dialect.value,
        mappings.value,
        reader.value,
        ledger,
        {
          destination: sources.destination,
          dialect: dialect.value,
          references: references.value,
          runId,
          countryId,
          timeZone: zone.value,
          dryRun,
          clock,
          logger,
          maxAttempts: settings.maxAttempts ?? 5,
          multiRowInserts: multiRowInserts.value,
          recordedFailures: new Set(),
        },
        dryRun ? new Set(mappings.value.certificates.map((m) => m.legacyCertificateId)) : new Set(),
      ),
    );
  }

  private async splitPage(records: LegacyCertificate[]): Promise<Result<PendingPage>> {
    const status = await this.ledger.statusAmong(records.map((r) => r.id));
    if (!status.ok) return status;
    const done = (id: number) => status.value.migrated.has(id) || this.importedIds.has(id);
    for (const id of status.value.failed) if (!done(id)) this.context.recordedFailures.add(id);
    return ok({
      pending: records.filter((r) => !done(r.id)),
      alreadyMigrated: records.filter((r) => done(r.id)),
    });
  }

  /**
   * The selected records, a page at a time in id order, split into pending and already migrated. Keyset
   * paging (`id > last`), so memory stays bounded and a record is never read twice.
   */
  async *pendingPages(selection: PendingSelection = {}, pageSize = 500): AsyncGenerator<Result<PendingPage>> {
    for await (const page of selectedRecordPages(this.reader, this.ledger, selection, pageSize)) {
      if (!page.ok) {
        yield page;
        return;
      }
      yield await this.splitPage(page.value);
    }
  }

  /** Refuses a selection the legacy table cannot hold (an id outside the id column's range). */
  checkSelection(selection: PendingSelection): Result<void> {
    return this.reader.checkIds(selection.ids);
  }

  /** How many selected records are still to migrate (reads ids only, a page at a time). */
  async countPending(selection: PendingSelection = {}): Promise<Result<number>> {
    if (selection.ids !== undefined || selection.retryFailed === true) {
      let count = 0;
      for await (const page of this.pendingPages(selection, 2000)) {
        if (!page.ok) return page;
        count += page.value.pending.length;
      }
      return ok(count);
    }
    const filter: LegacySelection = selection.ecu === undefined ? {} : { ecu: selection.ecu };
    let count = 0;
    let after = -1;
    for (;;) {
      const ids = await this.reader.idPage(after, 5000, filter);
      if (!ids.ok) return ids;
      const last = ids.value.at(-1);
      if (last === undefined) return ok(count);
      const migrated = await this.ledger.migratedAmong(ids.value);
      if (!migrated.ok) return migrated;
      count += ids.value.filter((id) => !migrated.value.has(id) && !this.importedIds.has(id)).length;
      after = last;
    }
  }

  /** What migrating a record would produce (or why it cannot), without writing anything. */
  preview(record: LegacyCertificate): PlanResult {
    return planCertificate(record, this.context.references, this.context.timeZone);
  }

  /** Migrates one record in its own transaction (the interactive mode's "Migrate Certificate"). */
  async migrate(record: LegacyCertificate): Promise<Result<CertificateOutcome>> {
    const group = await this.migrateGroup([record]);
    if (!group.ok) return group;
    const outcome = group.value.outcomes[0];
    if (outcome === undefined) {
      return err(appError(ErrorCode.CANCELLED, `The migration of certificate ${record.id} was cancelled.`));
    }
    return ok(outcome);
  }

  /** The outcome of a record the operator chose to skip (it stays pending for the next run). */
  skip(record: LegacyCertificate): CertificateOutcome {
    return { kind: "skipped", legacy: identityOf(record), reason: "skipped_by_user" };
  }

  /** Migrates records in one transaction, a savepoint each (see the automated runner). */
  migrateGroup(records: readonly LegacyCertificate[], signal?: AbortSignal): Promise<Result<GroupResult>> {
    return migrateGroup(this.context, records, signal);
  }

  /**
   * Ends the run: clears failure rows of certificates now in the ledger, exports the ledger to certificates_mappings.json and adds the technicians the migration
   * created to technicians_mapping.json, each atomically. A dry run writes nothing.
   */
  async finish(): Promise<Result<void>> {
    if (this.context.dryRun) return ok(undefined);
    // A concurrent run may have migrated what this one recorded as failed.
    const cleared = await this.ledger.clearFailuresOfMigrated();
    if (!cleared.ok) return cleared;
    // A ledger read error surfaces as a FILE_ERROR of the export that quotes it; the old file stays.
    const certificates = await writeCertificateMappings(
      this.mappings.paths.certificates,
      this.ledger.certificateMappings(),
    );
    if (!certificates.ok) return certificates;
    const created = await this.ledger.createdTechnicians();
    if (!created.ok) return created;
    const known = new Set(this.mappings.technicians.map((t) => t.technicianId));
    const added = created.value.filter((t) => !known.has(t.technicianId));
    if (added.length === 0) return ok(undefined);
    return writeTechnicianMappings(this.mappings.paths.technicians, [...this.mappings.technicians, ...added]);
  }

  /** The databases, for reports: type, host, port, database and user, never the password. */
  describeDatabases(): { readonly legacy: string; readonly destination: string } {
    const describe = (dataSource: DataSource): string => {
      const options = dataSource.options as {
        type: string;
        url?: string;
        host?: string;
        port?: number;
        database?: string;
        username?: string;
      };
      if (options.host === undefined && options.url !== undefined) return redactUrl(options.url);
      const user = options.username === undefined ? "" : `${options.username}@`;
      return `${options.type}://${user}${options.host ?? "localhost"}:${options.port ?? "default"}/${options.database ?? ""}`;
    };
    return { legacy: describe(this.sources.legacy), destination: describe(this.sources.destination) };
  }
}

/** Opens a migration session (see {@link MigrationSession}). */
export function openMigrationSession(
  sources: MigrationSources,
  settings: MigrationSettings,
): Promise<Result<MigrationSession>> {
  return MigrationSession.open(sources, settings);
}
