import type { QueryRunner } from "typeorm";
import { sqlUtc } from "../rules/legacy-date.js";
import { LEDGER_TABLES } from "../schema/ledger-schema.js";
import { placeholders, type SqlDialect } from "@certs/db";
import type { CertificatePlan, TechnicianChoice, VehiclePlan } from "./plan-certificate.js";

/** A row the migration wrote into the ledger, for one legacy certificate. */
export interface LedgerEntry {
  readonly legacyCertificateId: number;
  readonly newCertificateId: number;
  readonly vehicleId: string | null;
  readonly deviceId: string;
  readonly customerId: string | null;
  readonly dealerId: string;
  readonly technicianId: string;
}

/** The last failure of a legacy certificate, as the failures table keeps it. */
export interface RecordedFailure {
  readonly legacyCertificateId: number;
  readonly code: string;
  readonly step: string;
  readonly message: string;
}

/** The rows a certificate row points at, known once they are written. */
export interface CertificateLinks {
  readonly vehicleId: string | null;
  readonly installedBy: string;
  readonly calibratedBy: string;
}

const VEHICLE_COLUMNS = [
  "brand",
  "model",
  "vehicle_no",
  "vehicle_chassis_no",
  "new_registration",
  "certificate_id",
] as const;

function vehicleValues(vehicle: VehiclePlan): unknown[] {
  return [vehicle.brand, vehicle.model, vehicle.vehicleNo, vehicle.chassisNo, false, null];
}

const CERTIFICATE_COLUMNS = [
  "serial_number",
  "status",
  "device_id",
  "installation_date",
  "calibration_date",
  "expiry_date",
  "notified",
  "requested_for_cancellation",
  "cancelled",
  "enable_renewal",
  "cancellation_date",
  "installed_by_id",
  "calibrated_by_id",
  "installed_by_user_id",
  "calibrated_by_user_id",
  "dealer_id",
  "user_id",
  "installed_for_id",
  "vehicle_id",
  "km_reading",
  "speed_limit",
  "print_count",
  "renewal_count",
  "description",
  "country_id",
  "created_at",
  "updated_at",
] as const;

function certificateValues(plan: CertificatePlan, ids: CertificateLinks, countryId: number): unknown[] {
  const legacy = plan.legacy;
  const calibration = sqlUtc(plan.calibrationDate);
  return [
    legacy.serialNumber,
    plan.status,
    plan.deviceId,
    sqlUtc(plan.installationDate),
    calibration,
    sqlUtc(plan.expiryDate),
    false,
    false,
    plan.cancelled,
    false,
    plan.cancellationDate === null ? null : sqlUtc(plan.cancellationDate),
    ids.installedBy,
    ids.calibratedBy,
    plan.installingUser.id,
    plan.calibratingUser.id,
    plan.dealerId,
    plan.userId,
    plan.customerId,
    ids.vehicleId,
    plan.kmReading,
    plan.speedLimit,
    legacy.printCount,
    legacy.renewalCount,
    legacy.description,
    countryId,
    // The destination's timestamps are the calibration instant, in UTC like every other date.
    calibration,
    calibration,
  ];
}

function technicianValues(
  choice: Extract<TechnicianChoice, { kind: "create" }>,
  countryId: number,
  time: string,
): unknown[] {
  const phone =
    choice.user.phone === null || choice.user.phone.trim() === "" ? "0000000000" : choice.user.phone;
  return [choice.user.name, choice.user.email, phone, choice.dealerId, countryId, choice.user.id, time, time];
}

/** `(?, ?), (?, ?)` (or `($1, $2), ($3, $4)`): `rows` tuples of `columns` parameters. */
function valueTuples(dialect: SqlDialect, columns: number, rows: number): string {
  return Array.from({ length: rows }, (_, i) => `(${placeholders(dialect, columns, i * columns)})`).join(
    ", ",
  );
}

/** Statements whose text depends only on their row count, built once per dialect (placeholders cost CPU). */
const SQL_CACHE = new Map<string, string>();

interface StructuredResult {
  readonly records?: Array<Record<string, unknown>>;
  readonly raw?: unknown;
  readonly affected?: number;
}

/**
 * The statements that write certificates into the destination, on one connection inside the caller's
 * transaction, in the connection's SQL dialect. Where the server has `INSERT … RETURNING`, a group's vehicles
 * and certificates are each one multi-row statement; otherwise (and to isolate a bad record) a certificate
 * costs a savepoint, its vehicle and its row. Vehicle links, ledger rows, failures and cleared failures are
 * written once per group, a statement each. Round trips, not rows, are what limit the speed.
 */
export class DestinationWriter {
  constructor(
    private readonly runner: QueryRunner,
    private readonly dialect: SqlDialect,
    private readonly settings: { readonly runId: string; readonly countryId: number },
  ) {}

  private cachedSql(key: string, build: () => string): string {
    const full = `${this.dialect} ${key}`;
    let sql = SQL_CACHE.get(full);
    if (sql === undefined) {
      sql = build();
      if (SQL_CACHE.size < 4096) SQL_CACHE.set(full, sql);
    }
    return sql;
  }

  private query(sql: string, params: readonly unknown[]): Promise<StructuredResult> {
    return this.runner.query(sql, [...params], true) as Promise<StructuredResult>;
  }

  /** Runs an INSERT and returns the new row's id (mysql2's insertId, or PostgreSQL's RETURNING). */
  private async insert(
    table: string,
    columns: readonly string[],
    values: readonly unknown[],
  ): Promise<string> {
    const sql = `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${placeholders(this.dialect, columns.length)})`;
    if (this.dialect === "mysql") {
      const result = await this.query(sql, values);
      return String((result.raw as { insertId: number | string }).insertId);
    }
    const result = await this.query(`${sql} RETURNING id`, values);
    return String(result.records?.[0]?.["id"]);
  }

  /** A savepoint, so one certificate can be undone without undoing the rest of its group. */
  async savepoint(name: string): Promise<void> {
    await this.runner.query(`SAVEPOINT ${name}`);
  }

  /** Undoes everything since the savepoint (the transaction stays usable). */
  async rollbackToSavepoint(name: string): Promise<void> {
    await this.runner.query(`ROLLBACK TO SAVEPOINT ${name}`);
  }

  /** Forgets a savepoint whose work is kept. */
  async releaseSavepoint(name: string): Promise<void> {
    // MySQL replaces a savepoint of the same name, so only PostgreSQL (which would nest them) needs this.
    if (this.dialect === "postgres") await this.runner.query(`RELEASE SAVEPOINT ${name}`);
  }

  /** Sets a device's `blocked` flag. */
  async blockDevice(deviceId: string): Promise<void> {
    await this.blockDevices([deviceId]);
  }

  /** Sets the `blocked` flag of several devices in one statement. */
  async blockDevices(deviceIds: readonly string[]): Promise<void> {
    if (deviceIds.length === 0) return;
    const sql = this.cachedSql(
      `block ${deviceIds.length}`,
      () => `UPDATE devices SET blocked = 1 WHERE id IN (${placeholders(this.dialect, deviceIds.length)})`,
    );
    await this.query(sql, [...deviceIds]);
  }

  /** Inserts a certificate's vehicle (linked to the certificate once that exists). */
  insertVehicle(vehicle: VehiclePlan): Promise<string> {
    return this.insert("vehicles", VEHICLE_COLUMNS, vehicleValues(vehicle));
  }

  /** Points vehicles at their certificates, all in one statement. */
  async linkVehicles(
    links: ReadonlyArray<{ readonly vehicleId: string; readonly certificateId: number }>,
  ): Promise<void> {
    if (links.length === 0) return;
    const sql = this.cachedSql(`link ${links.length}`, () => {
      const cases = links.map(
        (_, i) =>
          `WHEN ${placeholders(this.dialect, 1, i * 2)} THEN ${placeholders(this.dialect, 1, i * 2 + 1)}`,
      );
      const ids = placeholders(this.dialect, links.length, links.length * 2);
      // PostgreSQL cannot infer the CASE's type from untyped parameters; the column is BIGINT.
      const cast = this.dialect === "postgres" ? "::bigint" : "";
      const caseIds = this.dialect === "postgres" ? "id::text" : "id";
      return `UPDATE vehicles SET certificate_id = (CASE ${caseIds} ${cases.join(" ")} END)${cast} WHERE id IN (${ids})`;
    });
    await this.query(sql, [
      ...links.flatMap((link) => [link.vehicleId, link.certificateId]),
      ...links.map((link) => link.vehicleId),
    ]);
  }

  /** Inserts the certificate row and returns its id. */
  async insertCertificate(plan: CertificatePlan, ids: CertificateLinks): Promise<number> {
    const id = await this.insert(
      "certificates",
      CERTIFICATE_COLUMNS,
      certificateValues(plan, ids, this.settings.countryId),
    );
    return Number(id);
  }

  /**
   * Inserts several vehicles in one statement and returns their ids in the order given. See
   * {@link insertRows} for why the ids match the rows.
   */
  async insertVehicles(vehicles: readonly VehiclePlan[]): Promise<string[]> {
    const rows = await this.insertRows(
      "vehicles",
      VEHICLE_COLUMNS,
      vehicles.map((vehicle) => vehicleValues(vehicle)),
      "vehicle_chassis_no",
      vehicles.map((vehicle) => vehicle.chassisNo),
    );
    return rows;
  }

  /** Inserts several certificates in one statement and returns their ids in the order given. */
  async insertCertificates(
    certificates: ReadonlyArray<{ readonly plan: CertificatePlan; readonly ids: CertificateLinks }>,
  ): Promise<number[]> {
    const rows = await this.insertRows(
      "certificates",
      CERTIFICATE_COLUMNS,
      certificates.map(({ plan, ids }) => certificateValues(plan, ids, this.settings.countryId)),
      "device_id",
      certificates.map(({ plan }) => plan.deviceId),
    );
    return rows.map(Number);
  }

  /**
   * One multi-row `INSERT … RETURNING id` (MariaDB 10.5+, PostgreSQL). Auto-increment and sequence values
   * rise with every row a statement inserts, and both servers insert a VALUES list in its order, so the
   * returned ids sorted ascending are the rows' ids in the order given, whatever order the rows come back
   * in. That is checked, not trusted: every row must come back, and `checkColumn` of the row each id is
   * paired with must equal `expected`; otherwise this throws, and the caller undoes the statement.
   */
  private async insertRows(
    table: string,
    columns: readonly string[],
    rows: ReadonlyArray<readonly unknown[]>,
    checkColumn: string,
    expected: readonly unknown[],
  ): Promise<string[]> {
    if (rows.length === 0) return [];
    const sql = this.cachedSql(`insert ${table} ${checkColumn} ${rows.length}`, () => {
      const tuples = valueTuples(this.dialect, columns.length, rows.length);
      return `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples} RETURNING id, ${checkColumn}`;
    });
    const result = await this.query(sql, rows.flat());
    const returned = (result.records ?? []).map((record) => ({
      id: BigInt(String(record["id"])),
      check: record[checkColumn],
    }));
    if (returned.length !== rows.length) {
      throw new Error(`INSERT INTO ${table} returned ${returned.length} ids for ${rows.length} rows`);
    }
    returned.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return returned.map((row, i) => {
      if (String(row.check) !== String(expected[i])) {
        throw new Error(`INSERT INTO ${table} returned ids that do not match its rows in order`);
      }
      return String(row.id);
    });
  }

  /**
   * Creates the technician of a claim this transaction owns, from the user: name, email, phone (or
   * `0000000000`), the dealer, country 231 (configurable), `created_by` the user, and its `technician_user` row.
   */
  async createTechnician(choice: Extract<TechnicianChoice, { kind: "create" }>, now: Date): Promise<string> {
    const time = sqlUtc(now);
    const technicianId = await this.insert(
      "technicians",
      ["name", "email", "phone", "dealer_id", "country_id", "created_by", "created_at", "updated_at"],
      technicianValues(choice, this.settings.countryId, time),
    );
    await this.query(
      `UPDATE ${LEDGER_TABLES.technicianClaims} SET technician_id = ${placeholders(this.dialect, 1)}
        WHERE email = ${placeholders(this.dialect, 1, 1)} AND dealer_id = ${placeholders(this.dialect, 1, 2)}`,
      [technicianId, choice.user.email.trim().toLowerCase(), choice.dealerId],
    );
    await this.query(
      `INSERT INTO technician_user (technician_id, user_id) VALUES (${placeholders(this.dialect, 2)})`,
      [technicianId, choice.user.id],
    );
    return technicianId;
  }

  /**
   * Claims the right to create the technicians for these (email, dealer) pairs: one multi-row insert of the
   * claim rows, whose primary key lets exactly one transaction own each, then one read of them. A
   * concurrent transaction that claims the same key waits for the owner to finish, then finds either the
   * technician the owner created or (if it created none) no claim, and owns it itself. Given in key order,
   * so groups never deadlock on them. A claim this transaction sees without a technician is its own:
   * committed claims always name one. Returns, for each choice, whether this transaction owns the claim
   * and the technician it names, if any.
   */
  async claimTechnicians(
    choices: ReadonlyArray<Extract<TechnicianChoice, { kind: "create" }>>,
    now: Date,
  ): Promise<Array<{ readonly owned: boolean; readonly technicianId: string | null }>> {
    if (choices.length === 0) return [];
    const columns = "email, dealer_id, technician_id, user_id, old_technician_id, run_id, created_at";
    const time = sqlUtc(now);
    const keys = choices.map((choice) => ({
      email: choice.user.email.trim().toLowerCase(),
      dealerId: choice.dealerId,
    }));
    const tuples = valueTuples(this.dialect, 7, choices.length);
    await this.query(
      this.dialect === "mysql"
        ? `INSERT IGNORE INTO ${LEDGER_TABLES.technicianClaims} (${columns}) VALUES ${tuples}`
        : `INSERT INTO ${LEDGER_TABLES.technicianClaims} (${columns}) VALUES ${tuples} ON CONFLICT (email, dealer_id) DO NOTHING`,
      choices.flatMap((choice, i) => [
        keys[i]?.email,
        choice.dealerId,
        null,
        choice.user.id,
        choice.legacyTechnicianId,
        this.settings.runId,
        time,
      ]),
    );
    const conditions = keys
      .map(
        (_, i) =>
          `(email = ${placeholders(this.dialect, 1, i * 2)} AND dealer_id = ${placeholders(this.dialect, 1, i * 2 + 1)})`,
      )
      .join(" OR ");
    const found = await this.query(
      `SELECT email, dealer_id, technician_id FROM ${LEDGER_TABLES.technicianClaims} WHERE ${conditions}`,
      keys.flatMap((key) => [key.email, key.dealerId]),
    );
    const byKey = new Map<string, string | null>();
    for (const row of found.records ?? []) {
      const technicianId = row["technician_id"];
      byKey.set(
        `${String(row["email"]).toLowerCase()}\u0000${String(row["dealer_id"])}`,
        technicianId === null || technicianId === undefined ? null : String(technicianId),
      );
    }
    return keys.map((key) => {
      const technicianId = byKey.get(`${key.email}\u0000${key.dealerId}`);
      if (technicianId === undefined) {
        throw new Error(`the technician claim for ${key.email} in dealer ${key.dealerId} was not found`);
      }
      return { owned: technicianId === null, technicianId };
    });
  }

  /**
   * {@link createTechnician} for several claims this transaction owns, in three statements: the
   * technicians (multi-row, ids checked against their emails), their claims, their `technician_user` rows.
   */
  async createTechnicians(
    choices: ReadonlyArray<Extract<TechnicianChoice, { kind: "create" }>>,
    now: Date,
  ): Promise<string[]> {
    if (choices.length === 0) return [];
    const time = sqlUtc(now);
    const ids = await this.insertRows(
      "technicians",
      ["name", "email", "phone", "dealer_id", "country_id", "created_by", "created_at", "updated_at"],
      choices.map((choice) => technicianValues(choice, this.settings.countryId, time)),
      "email",
      choices.map((choice) => choice.user.email),
    );
    const cases = choices
      .map(
        (_, i) =>
          `WHEN email = ${placeholders(this.dialect, 1, i * 3)} AND dealer_id = ${placeholders(this.dialect, 1, i * 3 + 1)} THEN ${placeholders(this.dialect, 1, i * 3 + 2)}`,
      )
      .join(" ");
    const cast = this.dialect === "postgres" ? "::bigint" : "";
    const where = choices
      .map((_, i) => {
        const at = choices.length * 3 + i * 2;
        return `(email = ${placeholders(this.dialect, 1, at)} AND dealer_id = ${placeholders(this.dialect, 1, at + 1)})`;
      })
      .join(" OR ");
    const keyOf = (choice: (typeof choices)[number]) => [
      choice.user.email.trim().toLowerCase(),
      choice.dealerId,
    ];
    await this.query(
      `UPDATE ${LEDGER_TABLES.technicianClaims} SET technician_id = (CASE ${cases} END)${cast} WHERE ${where}`,
      [...choices.flatMap((choice, i) => [...keyOf(choice), ids[i]]), ...choices.flatMap(keyOf)],
    );
    await this.query(
      `INSERT INTO technician_user (technician_id, user_id) VALUES ${valueTuples(this.dialect, 2, choices.length)}`,
      choices.flatMap((choice, i) => [ids[i], choice.user.id]),
    );
    return ids;
  }

  /** Gives up owned claims whose certificates all failed, so another transaction may create them. */
  async releaseClaim(email: string, dealerId: string): Promise<void> {
    await this.query(
      `DELETE FROM ${LEDGER_TABLES.technicianClaims}
        WHERE email = ${placeholders(this.dialect, 1)} AND dealer_id = ${placeholders(this.dialect, 1, 1)}
          AND technician_id IS NULL`,
      [email.trim().toLowerCase(), dealerId],
    );
  }

  /** Records migrated certificates in the ledger in one statement (a unique violation if one is already there). */
  async insertLedgerEntries(entries: readonly LedgerEntry[], now: Date): Promise<void> {
    if (entries.length === 0) return;
    const columns = [
      "legacy_certificate_id",
      "new_certificate_id",
      "vehicle_id",
      "device_id",
      "customer_id",
      "dealer_id",
      "technician_id",
      "source",
      "run_id",
      "migrated_at",
    ];
    const time = sqlUtc(now);
    const sql = this.cachedSql(
      `ledger ${entries.length}`,
      () =>
        `INSERT INTO ${LEDGER_TABLES.ledger} (${columns.join(", ")}) VALUES ${valueTuples(this.dialect, columns.length, entries.length)}`,
    );
    await this.query(
      sql,
      entries.flatMap((entry) => [
        entry.legacyCertificateId,
        entry.newCertificateId,
        entry.vehicleId,
        entry.deviceId,
        entry.customerId,
        entry.dealerId,
        entry.technicianId,
        "migrated",
        this.settings.runId,
        time,
      ]),
    );
  }

  /** Records (or replaces) the last failure of each of these legacy certificates, in one statement. */
  async recordFailures(failures: readonly RecordedFailure[], now: Date): Promise<void> {
    if (failures.length === 0) return;
    const columns = "legacy_certificate_id, run_id, error_code, step, message, failed_at";
    const time = sqlUtc(now);
    const values = failures.flatMap((failure) => [
      failure.legacyCertificateId,
      this.settings.runId,
      failure.code,
      failure.step,
      failure.message,
      time,
    ]);
    const sql = this.cachedSql(`failures ${failures.length}`, () => {
      const tuples = valueTuples(this.dialect, 6, failures.length);
      return this.dialect === "mysql"
        ? `INSERT INTO ${LEDGER_TABLES.failures} (${columns}) VALUES ${tuples}
           ON DUPLICATE KEY UPDATE run_id = VALUES(run_id), error_code = VALUES(error_code), step = VALUES(step),
             message = VALUES(message), failed_at = VALUES(failed_at)`
        : `INSERT INTO ${LEDGER_TABLES.failures} (${columns}) VALUES ${tuples}
           ON CONFLICT (legacy_certificate_id) DO UPDATE SET run_id = EXCLUDED.run_id,
             error_code = EXCLUDED.error_code, step = EXCLUDED.step, message = EXCLUDED.message,
             failed_at = EXCLUDED.failed_at`;
    });
    await this.query(sql, values);
  }

  /** Whether the ledger has this legacy certificate (committed by another run: READ COMMITTED). */
  async ledgerHas(legacyCertificateId: number): Promise<boolean> {
    const found = await this.query(
      `SELECT 1 AS found FROM ${LEDGER_TABLES.ledger} WHERE legacy_certificate_id = ${placeholders(this.dialect, 1)}`,
      [legacyCertificateId],
    );
    return (found.records?.length ?? 0) > 0;
  }

  /** Forgets the failures of certificates that have now migrated. */
  async clearFailures(legacyCertificateIds: readonly number[]): Promise<void> {
    if (legacyCertificateIds.length === 0) return;
    const sql = this.cachedSql(
      `clear ${legacyCertificateIds.length}`,
      () =>
        `DELETE FROM ${LEDGER_TABLES.failures} WHERE legacy_certificate_id IN (${placeholders(this.dialect, legacyCertificateIds.length)})`,
    );
    await this.query(sql, [...legacyCertificateIds]);
  }
}
