import { databaseError, placeholders, type SqlDialect } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import type { DataSource } from "typeorm";
import type { CertificateMapping, TechnicianMapping } from "../mapping/mapping-files.js";
import { sqlUtc } from "../rules/legacy-date.js";
import { LEDGER_TABLES } from "../schema/ledger-schema.js";

type Id = string | number | null;

/**
 * The destination's ledger: which legacy certificates are migrated (the truth, written in each certificate's
 * transaction), which failed last time, and which technicians the migration created. Reads page by key,
 * never by OFFSET or huge IN lists.
 */
export class Ledger {
  constructor(
    private readonly destination: DataSource,
    private readonly dialect: SqlDialect,
  ) {}

  private p(n: number, offset = 0): string {
    return placeholders(this.dialect, n, offset);
  }

  /**
   * Records the entries of an old `certificates_mappings.json` as migrated (source `imported`), leaving
   * entries already in the ledger alone, so the old tool's runs are respected. Returns how many were new.
   */
  async importCertificateMappings(
    mappings: readonly CertificateMapping[],
    runId: string,
    now: Date,
  ): Promise<Result<number>> {
    let added = 0;
    const runner = this.destination.createQueryRunner();
    try {
      for (let start = 0; start < mappings.length; start += 500) {
        const chunk = mappings.slice(start, start + 500);
        const values: unknown[] = [];
        const tuples = chunk.map((m, i) => {
          values.push(
            m.legacyCertificateId,
            m.newCertificateId,
            m.vehicleId,
            m.deviceId,
            m.customerId,
            m.dealerId,
            m.technicianId,
            "imported",
            runId,
            sqlUtc(now),
          );
          return `(${this.p(10, i * 10)})`;
        });
        const columns =
          "legacy_certificate_id, new_certificate_id, vehicle_id, device_id, customer_id, dealer_id, technician_id, source, run_id, migrated_at";
        const sql =
          this.dialect === "mysql"
            ? `INSERT IGNORE INTO ${LEDGER_TABLES.ledger} (${columns}) VALUES ${tuples.join(", ")}`
            : `INSERT INTO ${LEDGER_TABLES.ledger} (${columns}) VALUES ${tuples.join(", ")} ON CONFLICT DO NOTHING`;
        const result = (await runner.query(sql, values, true)) as { affected?: number };
        added += result.affected ?? 0;
      }
      return ok(added);
    } catch (error) {
      return err(databaseError(error, "could not import certificates_mappings.json into the ledger"));
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  /** Which of these legacy ids (one page, sorted) are already in the ledger. */
  async migratedAmong(ids: readonly number[]): Promise<Result<Set<number>>> {
    const found = await this.among(ids, false);
    return found.ok ? ok(found.value.migrated) : found;
  }

  /** Which of these legacy ids (one page, sorted) are in the ledger, and which have a failure row: one query. */
  statusAmong(ids: readonly number[]): Promise<Result<{ migrated: Set<number>; failed: Set<number> }>> {
    return this.among(ids, true);
  }

  private async among(
    ids: readonly number[],
    withFailures: boolean,
  ): Promise<Result<{ migrated: Set<number>; failed: Set<number> }>> {
    const first = ids[0];
    const last = ids.at(-1);
    if (first === undefined || last === undefined) return ok({ migrated: new Set(), failed: new Set() });
    // A dense page (a plain scan) is one range on the primary key; a sparse one (chosen ids, retried
    // failures) is its own ids, at most a page of them, so the answer never outgrows the page.
    const dense = last - first < ids.length * 4;
    const select = (table: string, kind: number, offset: number): string =>
      `SELECT legacy_certificate_id AS id, ${kind} AS kind FROM ${table} WHERE legacy_certificate_id ` +
      (dense
        ? `BETWEEN ${this.p(1, offset)} AND ${this.p(1, offset + 1)}`
        : `IN (${this.p(ids.length, offset)})`);
    const params = dense ? [first, last] : [...ids];
    try {
      const rows: Array<{ id: Id; kind: Id }> = await this.destination.query(
        withFailures
          ? `${select(LEDGER_TABLES.ledger, 1, 0)} UNION ALL ${select(LEDGER_TABLES.failures, 0, params.length)}`
          : select(LEDGER_TABLES.ledger, 1, 0),
        withFailures ? [...params, ...params] : params,
      );
      const migrated = new Set<number>();
      const failed = new Set<number>();
      for (const row of rows) (Number(row.kind) === 1 ? migrated : failed).add(Number(row.id));
      return ok({ migrated, failed });
    } catch (error) {
      return err(databaseError(error, "could not read the migration ledger"));
    }
  }

  /**
   * Deletes every failure row of a certificate the ledger has (a concurrent run may have migrated it after
   * this one recorded its failure); returns how many went.
   */
  async clearFailuresOfMigrated(): Promise<Result<number>> {
    const runner = this.destination.createQueryRunner();
    try {
      const result = (await runner.query(
        `DELETE FROM ${LEDGER_TABLES.failures} WHERE legacy_certificate_id IN
           (SELECT legacy_certificate_id FROM ${LEDGER_TABLES.ledger})`,
        [],
        true,
      )) as { affected?: number };
      return ok(result.affected ?? 0);
    } catch (error) {
      return err(databaseError(error, "could not clear the failures of migrated certificates"));
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  /** The legacy ids with a recorded failure, after `afterId`, a page at a time (for `retryFailed`). */
  async failedIdPage(afterId: number, limit: number): Promise<Result<number[]>> {
    try {
      const rows: Array<{ id: Id }> = await this.destination.query(
        `SELECT legacy_certificate_id AS id FROM ${LEDGER_TABLES.failures}
          WHERE legacy_certificate_id > ${this.p(1)} ORDER BY legacy_certificate_id LIMIT ${Number(limit)}`,
        [afterId],
      );
      return ok(rows.map((row) => Number(row.id)));
    } catch (error) {
      return err(databaseError(error, "could not read the recorded failures"));
    }
  }

  /** The ledger as certificate mappings, in legacy id order, read a page at a time. */
  async *certificateMappings(pageSize = 5000): AsyncGenerator<CertificateMapping, void, undefined> {
    let after = -1;
    for (;;) {
      const rows: Array<{
        legacy_certificate_id: Id;
        new_certificate_id: Id;
        vehicle_id: Id;
        device_id: Id;
        customer_id: Id;
        dealer_id: Id;
        technician_id: Id;
      }> = await this.destination.query(
        `SELECT legacy_certificate_id, new_certificate_id, vehicle_id, device_id, customer_id, dealer_id, technician_id
           FROM ${LEDGER_TABLES.ledger} WHERE legacy_certificate_id > ${this.p(1)}
          ORDER BY legacy_certificate_id LIMIT ${Number(pageSize)}`,
        [after],
      );
      const text = (value: Id): string | null => (value === null ? null : String(value));
      for (const row of rows) {
        yield {
          legacyCertificateId: Number(row.legacy_certificate_id),
          newCertificateId: row.new_certificate_id === null ? null : Number(row.new_certificate_id),
          vehicleId: text(row.vehicle_id),
          deviceId: text(row.device_id),
          customerId: text(row.customer_id),
          dealerId: text(row.dealer_id),
          technicianId: text(row.technician_id),
        };
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < pageSize) return;
      after = Number(last.legacy_certificate_id);
    }
  }

  /** The technicians the migration created (in any run), as technicians_mapping.json entries. */
  async createdTechnicians(): Promise<Result<TechnicianMapping[]>> {
    try {
      const rows: Array<{ technician_id: Id; user_id: Id; old_technician_id: Id }> =
        await this.destination.query(
          `SELECT technician_id, user_id, old_technician_id FROM ${LEDGER_TABLES.technicianClaims}
          WHERE technician_id IS NOT NULL ORDER BY technician_id`,
        );
      return ok(
        rows.map((row) => ({
          technicianId: String(row.technician_id),
          oldTechnicianId: Number(row.old_technician_id),
          userId: String(row.user_id),
        })),
      );
    } catch (error) {
      return err(databaseError(error, "could not read the technicians the migration created"));
    }
  }
}
