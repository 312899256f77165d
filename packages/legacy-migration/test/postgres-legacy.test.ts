import { Result } from "@certs/result";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  legacyDateToUtc,
  migrateCertificates,
  type CertificateOutcome,
  type MigrationSummary,
} from "../src/index.js";
import {
  LegacyCertificateReader,
  type LegacyCertificate,
  type LegacyDateValue,
} from "../src/migration/legacy-certificates.js";
import { createLegacySchema, generateLegacyDataset, type LegacyDataset } from "../src/testing/index.js";
import { freshDatabase, openUrl } from "./support/databases.js";
import { migratedCertificates, type ActualCertificate } from "./support/destination-rows.js";
import { expectedMigration, type Expectation } from "./support/expectation.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

/** A run of the automated migration, with what it wrote, for comparing two runs of one dataset. */
interface Run {
  readonly scenario: Scenario;
  readonly summary: MigrationSummary;
  readonly outcomes: Map<number, CertificateOutcome>;
}

async function migrate(
  dataset: LegacyDataset,
  legacy: "mysql" | "postgres",
  dateStorage: "epoch" | "datetime",
) {
  const scenario = await prepareScenario({ dataset, legacy, destination: "postgres", dateStorage });
  const outcomes = new Map<number, CertificateOutcome>();
  const summary = Result.getOrThrow(
    await migrateCertificates(
      { legacy: scenario.legacy, destination: scenario.destination },
      {
        mappingFiles: scenario.paths,
        workers: 4,
        groupSize: 25,
        onOutcome: (o) => outcomes.set(o.legacy.legacyId, o),
      },
    ),
  );
  return { scenario, summary, outcomes };
}

async function readAll(legacy: DataSource): Promise<LegacyCertificate[]> {
  const reader = Result.getOrThrow(await LegacyCertificateReader.open(legacy));
  return Result.getOrThrow(await reader.page(0, 100_000));
}

/** A date as the instant it denotes (ISO text), or null, or the error: what the migration makes of it. */
function instant(date: LegacyDateValue): string | null {
  const converted = legacyDateToUtc(date.raw, date.kind);
  if (!converted.ok) return `error: ${converted.error.message}`;
  return converted.value === null ? null : converted.value.toISOString();
}

/** A record with its dates as instants (a zero DATETIME on MariaDB is NULL on PostgreSQL: both are absent). */
function withInstants(record: LegacyCertificate): Record<string, unknown> {
  return {
    ...record,
    installationDate: instant(record.installationDate),
    calibrationDate: instant(record.calibrationDate),
    expiryDate: instant(record.expiryDate),
    cancellationDate: instant(record.cancellationDate),
  };
}

/**
 * A migrated row without the ids the destination hands out in the order concurrent workers get there:
 * technicians are named by seeded id or, when the run created them, by email and dealer.
 */
function comparable(row: ActualCertificate, seededTechnicians: ReadonlySet<string>): Record<string, unknown> {
  const { id, vehicle_certificate_id, installed_by_id, calibrated_by_id, ...rest } = row;
  expect(vehicle_certificate_id === null || vehicle_certificate_id === String(id)).toBe(true);
  const technician = (technicianId: string, key: string) =>
    seededTechnicians.has(technicianId) ? `seeded ${technicianId}` : `created ${key}`;
  return {
    ...rest,
    installed_by: technician(installed_by_id, row.installed_by_key),
    calibrated_by: technician(calibrated_by_id, row.calibrated_by_key),
  };
}

async function failures(destination: DataSource): Promise<unknown[]> {
  return destination.query(
    `SELECT legacy_certificate_id AS id, error_code AS code, step, message
       FROM legacy_migration_failures ORDER BY legacy_certificate_id`,
  );
}

async function blockedDevices(destination: DataSource): Promise<string[]> {
  const rows: Array<{ id: string | number }> = await destination.query(
    "SELECT id FROM devices WHERE blocked = 1",
  );
  return rows.map((row) => String(row.id)).sort();
}

describe.each(["epoch", "datetime"] as const)(
  "a PostgreSQL legacy database, dates stored as %s, against MariaDB with the same data",
  (dateStorage) => {
    const dataset = generateLegacyDataset({ certificates: 600, seed: `postgres-legacy-${dateStorage}` });
    let expectation: Expectation;
    let fromMariaDb: Run;
    let fromPostgres: Run;

    beforeAll(async () => {
      expectation = expectedMigration(dataset);
      fromMariaDb = await migrate(dataset, "mysql", dateStorage);
      fromPostgres = await migrate(dataset, "postgres", dateStorage);
    }, 240_000);
    afterAll(async () => {
      await fromMariaDb?.scenario.close();
      await fromPostgres?.scenario.close();
    });

    it("creates the legacy tables there, the dates as bigint or timestamp without time zone", async () => {
      const rows: Array<{ column_name: string; data_type: string }> =
        await fromPostgres.scenario.legacy.query(
          `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = 'certificate_record'`,
        );
      const types = new Map(rows.map((row) => [row.column_name, row.data_type]));
      expect(rows).toHaveLength(25);
      expect(types.get("id")).toBe("integer");
      expect(types.get("ecu")).toBe("character varying");
      const dateType = dateStorage === "epoch" ? "bigint" : "timestamp without time zone";
      for (const column of ["date_installation", "date_calibrate", "date_expiry", "date_cancelation"])
        expect(types.get(column), column).toBe(dateType);
    });

    it("detects the date columns' storage from PostgreSQL's type names", async () => {
      const reader = Result.getOrThrow(await LegacyCertificateReader.open(fromPostgres.scenario.legacy));
      const kind = dateStorage === "epoch" ? "epoch" : "wallclock";
      expect(reader.dateKinds).toEqual({
        date_installation: kind,
        date_calibrate: kind,
        date_expiry: kind,
        date_cancelation: kind,
      });
    });

    it("reads every record as from MariaDB, wall-clock dates as 'YYYY-MM-DD HH:MM:SS' text", async () => {
      const [mariaDb, postgres] = await Promise.all([
        readAll(fromMariaDb.scenario.legacy),
        readAll(fromPostgres.scenario.legacy),
      ]);
      expect(postgres).toHaveLength(dataset.legacy.certificates.length);
      expect(postgres.map(withInstants)).toEqual(mariaDb.map(withInstants));
      const raw = postgres.flatMap((r) => [r.installationDate.raw, r.calibrationDate.raw, r.expiryDate.raw]);
      const shape = dateStorage === "epoch" ? /^[0-9]+$/ : /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
      for (const value of raw) if (value !== null) expect(value).toMatch(shape);
      expect(raw.some((value) => value !== null)).toBe(true);
    });

    it("selects by ECU (trimmed, any case) and by ids with PostgreSQL placeholders", async () => {
      const readers = await Promise.all(
        [fromMariaDb, fromPostgres].map(async (run) =>
          Result.getOrThrow(await LegacyCertificateReader.open(run.scenario.legacy)),
        ),
      );
      const someEcu = dataset.legacy.certificates[7]?.ecu ?? "";
      const ids = dataset.legacy.certificates.slice(10, 40).map((c) => c.id);
      const selections = [
        { ecu: ` ${someEcu.trim().toLowerCase()} ` },
        { ids },
        { ecu: someEcu, ids },
        { ids: [] },
      ];
      for (const selection of selections) {
        const [mariaDb, postgres] = await Promise.all(
          readers.map(async (reader) => Result.getOrThrow(await reader.idPage(ids[2] ?? 0, 20, selection))),
        );
        expect(postgres, JSON.stringify(selection)).toEqual(mariaDb);
      }
      const [, postgresReader] = readers;
      const byEcu = Result.getOrThrow(
        await postgresReader!.page(0, 1000, { ecu: ` ${someEcu.toLowerCase()}` }),
      );
      expect(byEcu.length).toBeGreaterThan(0);
      for (const record of byEcu) expect(record.ecu.trim().toUpperCase()).toBe(someEcu.trim().toUpperCase());
      const [maxMariaDb, maxPostgres] = await Promise.all(
        readers.map(async (reader) => Result.getOrThrow(await reader.maxRenewalCounts())),
      );
      expect(maxPostgres).toEqual(maxMariaDb);
    });

    it("migrates what the expectation says, with the same counts as from MariaDB", () => {
      expect(fromPostgres.summary.migrated).toBe(expectation.migrated.size);
      expect(fromPostgres.summary.failed).toBe(expectation.failed.size);
      expect(fromPostgres.summary.skipped).toBe(expectation.premigrated.size);
      for (const key of ["total", "migrated", "failed", "skipped", "warnings"] as const)
        expect(fromPostgres.summary[key], key).toBe(fromMariaDb.summary[key]);
      expect(fromPostgres.summary.databases.legacy).toMatch(/^postgres:\/\//);
    });

    it("writes destination rows equal to the MariaDB-legacy run's, and as the rules say", async () => {
      const seeded = new Set(dataset.destination.technicians.map((t) => String(t["id"])));
      const [mariaDb, postgres] = await Promise.all([
        migratedCertificates(fromMariaDb.scenario.destination),
        migratedCertificates(fromPostgres.scenario.destination),
      ]);
      expect([...postgres.keys()].sort((a, b) => a - b)).toEqual(
        [...expectation.migrated.keys()].sort((a, b) => a - b),
      );
      const rows = (actual: Map<number, ActualCertificate>) =>
        [...actual]
          .sort(([a], [b]) => a - b)
          .map(([legacyId, row]) => ({ legacyId, ...comparable(row, seeded) }));
      expect(rows(postgres)).toEqual(rows(mariaDb));
      for (const [legacyId, expected] of expectation.migrated) {
        const { installed_by: _installer, calibrated_by: _calibrator, ...columns } = expected;
        expect({ legacyId, ...postgres.get(legacyId) }).toMatchObject({ legacyId, ...columns });
      }
    });

    it("fails the same certificates with the same errors and warns the same", async () => {
      const [mariaDb, postgres] = await Promise.all([
        failures(fromMariaDb.scenario.destination),
        failures(fromPostgres.scenario.destination),
      ]);
      expect(postgres).toHaveLength(expectation.failed.size);
      expect(postgres).toEqual(mariaDb);
      const warnings = (run: Run) =>
        [...run.outcomes.values()]
          .map((o) => [o.legacy.legacyId, o.kind === "migrated" ? o.warnings : []] as const)
          .sort(([a], [b]) => a - b);
      expect(warnings(fromPostgres)).toEqual(warnings(fromMariaDb));
      expect(await blockedDevices(fromPostgres.scenario.destination)).toEqual(
        [...expectation.blockedDevices].sort(),
      );
      expect(await blockedDevices(fromPostgres.scenario.destination)).toEqual(
        await blockedDevices(fromMariaDb.scenario.destination),
      );
    });
  },
);

describe("PostgreSQL legacy date columns of other types", () => {
  let legacy: DataSource;
  const NOON_DUBAI = "2024-03-01T08:00:00.000Z";

  beforeAll(async () => {
    const database = await freshDatabase("postgres");
    Result.getOrThrow(await createLegacySchema(database.dataSource, { dateStorage: "datetime" }));
    const [{ name }] = (await database.dataSource.query("SELECT current_database() AS name")) as [
      { name: string },
    ];
    // A session that renders dates day-first and in another zone must change nothing.
    await database.dataSource.query(`ALTER DATABASE "${name}" SET timezone = 'Asia/Kolkata'`);
    await database.dataSource.query(`ALTER DATABASE "${name}" SET datestyle = 'SQL, DMY'`);
    await database.dataSource.query(
      `ALTER TABLE certificate_record
         ALTER COLUMN date_installation TYPE timestamp with time zone,
         ALTER COLUMN date_calibrate TYPE character varying(40),
         ALTER COLUMN date_expiry TYPE date,
         ALTER COLUMN date_cancelation TYPE integer USING NULL`,
    );
    await database.dataSource.destroy();
    legacy = await openUrl(database.url, 2);
    const insert = `INSERT INTO certificate_record (id, serialno, ecu, customer_id, installer_user_id,
        caliberater_user_id, installer_technician_id, caliberater_technician_id, vehicle_type, vehicle_registration,
        vehicle_chassis, speed, date_installation, date_calibrate, date_expiry, date_cancelation, dealer_id,
        updated_by_user_id)
      VALUES ($1, $1, 'ECU1', 1, 1, 1, 1, 1, 'Nissan Patrol', 'A 1', 'CH1', '80', $2, $3, $4, $5, 1, 1)`;
    await legacy.query(insert, [
      1,
      "2024-03-01 08:00:00+00",
      "2024-03-01 12:00:00",
      "2024-03-01",
      1709280000,
    ]);
    await legacy.query(insert, [2, "2024-03-01 08:00:00+00", "1709280000", "infinity", 0]);
  });
  afterAll(async () => legacy.destroy());

  it("reads timestamptz as an instant, varchar per value, date as wall clock and integer as epoch", async () => {
    const reader = Result.getOrThrow(await LegacyCertificateReader.open(legacy));
    expect(reader.dateKinds).toEqual({
      date_installation: "epoch",
      date_calibrate: "text",
      date_expiry: "wallclock",
      date_cancelation: "epoch",
    });
    const [first, second] = Result.getOrThrow(await reader.page(0, 10));
    expect(first && withInstants(first)).toMatchObject({
      installationDate: NOON_DUBAI,
      calibrationDate: NOON_DUBAI,
      // Midnight in Dubai is 20:00 UTC the day before.
      expiryDate: "2024-02-29T20:00:00.000Z",
      cancellationDate: NOON_DUBAI,
    });
    expect(second && withInstants(second)).toMatchObject({
      installationDate: NOON_DUBAI,
      calibrationDate: NOON_DUBAI,
      expiryDate: "error: 'infinity' is neither epoch seconds nor a date and time.",
      cancellationDate: null,
    });
  });
});
