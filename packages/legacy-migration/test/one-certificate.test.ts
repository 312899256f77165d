import { Result } from "@certs/result";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateCertificates, type CertificateOutcome, type MigrationSummary } from "../src/index.js";
import {
  count,
  dateText,
  migratedCertificates,
  orphanVehicles,
  type ActualCertificate,
} from "./support/destination-rows.js";
import { certificate, handmadeDataset, MARCH_FIRST_NOON_DUBAI } from "./support/handmade.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

const DAY = 86_400;

/** One hand-made certificate per rule; see handmade.ts for the world they live in. */
const CERTIFICATES = [
  certificate(1, { speed: "80 km/h", description: "front axle" }),
  certificate(2, { ecu: " d1005e000001 ", renewal_count: 1, serialno: 900_102 }),
  certificate(3, { ecu: "D1005E000001  ", renewal_count: 2 }),
  certificate(4, { ecu: "XYZ000009" }),
  certificate(5, { customer_id: 0 }),
  certificate(6, { customer_id: 502 }),
  certificate(7, { customer_id: 503 }),
  certificate(8, { installer_technician_id: 8 }),
  certificate(9, {
    installer_user_id: 102,
    caliberater_user_id: 102,
    installer_technician_id: 0,
    caliberater_technician_id: 0,
  }),
  certificate(10, { installer_user_id: 102, installer_technician_id: 0 }),
  certificate(11, { dealer_id: 0 }),
  certificate(12, { dealer_id: 3 }),
  certificate(13, { dealer_id: 2, speed: "80.5" }),
  certificate(14, { installer_user_id: 103 }),
  certificate(15, { vehicle_type: " Nissan  Patrol " }),
  certificate(16, { vehicle_type: "Canter" }),
  certificate(17, { vehicle_type: "" }),
  certificate(18, { ecu: "ESL000002", serialno: null }),
  certificate(19, { ecu: "ESL000002", date_cancelation: MARCH_FIRST_NOON_DUBAI + 30 * DAY }),
  certificate(20, { ecu: "S100000003", activstate: 0, date_cancelation: MARCH_FIRST_NOON_DUBAI + 40 * DAY }),
  certificate(21, { ecu: "DBW000004", activstate: 0 }),
  certificate(22, { ecu: "ESL000002", date_cancelation: 0 }),
  certificate(23, { date_installation: null, installer_user_id: 201, installer_technician_id: 0 }),
  certificate(24, { speed: "KM", kilometer: null }),
  certificate(25, { ecu: "ESL000002", activstate: 0, serialno: 777 }),
];

const SERVER_NAMES = { mysql: "MariaDB", postgres: "PostgreSQL" } as const;

function destinationSuite(kind: "mysql" | "postgres", legacyKind: "mysql" | "postgres" = "mysql"): void {
  describe(`migrating hand-made certificates from ${SERVER_NAMES[legacyKind]} into ${SERVER_NAMES[kind]}`, () => {
    let scenario: Scenario;
    let summary: MigrationSummary;
    let rows: Map<number, ActualCertificate>;
    const outcomes = new Map<number, CertificateOutcome>();
    const row = (legacyId: number): ActualCertificate => {
      const found = rows.get(legacyId);
      if (found === undefined) throw new Error(`certificate ${legacyId} was not migrated`);
      return found;
    };
    const failure = (legacyId: number) => {
      const outcome = outcomes.get(legacyId);
      if (outcome?.kind !== "failed") throw new Error(`certificate ${legacyId} did not fail`);
      return outcome.failures;
    };

    beforeAll(async () => {
      scenario = await prepareScenario({
        dataset: handmadeDataset(CERTIFICATES),
        destination: kind,
        legacy: legacyKind,
      });
      // A certificate already in the destination with serial 777, so legacy 25 fails when it is inserted.
      await scenario.destination.query(
        `INSERT INTO certificates (serial_number, status, installation_date, calibration_date, expiry_date, notified,
           requested_for_cancellation, cancelled, enable_renewal, installed_by_id, calibrated_by_id,
           installed_by_user_id, calibrated_by_user_id, dealer_id, user_id, km_reading, speed_limit, print_count,
           renewal_count, country_id, created_at, updated_at)
         VALUES (777, 'active', '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2025-01-01 00:00:00', false, false,
           false, false, 7, 7, 11, 11, 11, 11, 0, 80, 0, 0, 231, '2024-01-01 00:00:00', '2024-01-01 00:00:00')`,
      );
      summary = Result.getOrThrow(
        await migrateCertificates(
          { legacy: scenario.legacy, destination: scenario.destination },
          {
            mappingFiles: scenario.paths,
            workers: 3,
            groupSize: 4,
            onOutcome: (o) => outcomes.set(o.legacy.legacyId, o),
          },
        ),
      );
      rows = await migratedCertificates(scenario.destination);
    }, 120_000);
    afterAll(async () => scenario.close());

    it("migrates the valid ones and fails the others, each exactly once", () => {
      expect([...rows.keys()].sort((a, b) => a - b)).toEqual([
        1, 2, 3, 8, 9, 10, 13, 15, 16, 17, 18, 19, 20, 21, 22, 24,
      ]);
      expect(summary.migrated).toBe(16);
      expect(summary.failed).toBe(9);
    });

    describe("1. device", () => {
      it("an ECU with blanks around it and in lower case finds its device", () => {
        expect(row(2).device_id).toBe("1");
        expect(row(3).device_id).toBe("1");
      });

      it("an ECU with no device is a MAPPING_ERROR 'Device not found'", () => {
        expect(failure(4)).toEqual([
          expect.objectContaining({
            step: "device",
            code: "MAPPING_ERROR",
            message: expect.stringMatching(/^Device not found.*'XYZ000009'/),
          }),
        ]);
      });

      it("a deactivated, uncancelled certificate blocks its device; a cancelled one does not", async () => {
        const blocked: Array<{ id: string | number }> = await scenario.destination.query(
          "SELECT id FROM devices WHERE blocked = 1",
        );
        expect(blocked.map((d) => String(d.id))).toEqual(["4"]);
      });

      it("the block is part of the certificate's transaction: a certificate that fails leaves the device alone", () => {
        expect(failure(25)).toEqual([expect.objectContaining({ step: "write", code: "DATABASE_ERROR" })]);
        expect(failure(25)[0]?.message).toMatch(/insert the certificate/);
      });
    });

    describe("2. customer", () => {
      it("maps through customer_mappings.json", () => {
        expect(row(1).installed_for_id).toBe("501");
      });

      it("a zero, unmapped or zero-mapped customer is a MAPPING_ERROR", () => {
        for (const id of [5, 6, 7]) {
          expect(failure(id)).toEqual([expect.objectContaining({ step: "customer", code: "MAPPING_ERROR" })]);
        }
        expect(failure(6)[0]?.message).toContain("customer 502 has no entry in customer_mappings.json");
      });
    });

    describe("3. technicians", () => {
      it("the mapping file comes first", () => {
        expect(row(1).installed_by_id).toBe("7");
        expect(row(1).calibrated_by_id).toBe("7");
      });

      it("a mapping whose technician row is gone falls back to the user's email in the user's dealer", () => {
        expect(row(8).installed_by_id).toBe("61");
        expect(row(8).calibrated_by_id).toBe("7");
      });

      it("otherwise one technician is created from the user, not borrowed from another dealer, and reused", async () => {
        const created: Array<Record<string, unknown>> = await scenario.destination.query(
          "SELECT id, name, email, phone, dealer_id, country_id, created_by FROM technicians WHERE created_by IS NOT NULL",
        );
        expect(created).toHaveLength(1);
        const technician = created[0] as Record<string, unknown>;
        expect({
          ...technician,
          id: undefined,
          dealer_id: String(technician["dealer_id"]),
          country_id: Number(technician["country_id"]),
          created_by: String(technician["created_by"]),
        }).toEqual({
          id: undefined,
          name: "Dealer One Installer",
          email: "Installer@Dealer1.ae",
          phone: "0000000000",
          dealer_id: "11",
          country_id: 231,
          created_by: "12",
        });
        const id = String(technician["id"]);
        expect([row(9).installed_by_id, row(9).calibrated_by_id, row(10).installed_by_id]).toEqual([
          id,
          id,
          id,
        ]);
        expect(id).not.toBe("60");
        expect(
          await count(
            scenario.destination,
            "SELECT COUNT(*) AS n FROM technician_user WHERE technician_id = $1".replace(
              "$1",
              kind === "mysql" ? "?" : "$1",
            ),
            [id],
          ),
        ).toBe(1);
      });

      it("a certificate that fails before writing creates no technician", async () => {
        expect(failure(23)).toEqual([expect.objectContaining({ step: "dates", code: "VALIDATION_ERROR" })]);
        expect(
          await count(
            scenario.destination,
            "SELECT COUNT(*) AS n FROM technicians WHERE email = 'owner@dealer2.ae'",
          ),
        ).toBe(0);
      });
    });

    describe("4. dealer and user", () => {
      it("the first user_mappings entry of the dealer; a child account gives its parent as dealer", () => {
        expect(row(1)).toMatchObject({ dealer_id: "11", user_id: "12" });
        expect(row(13)).toMatchObject({ dealer_id: "21", user_id: "21" });
        expect(row(1)).toMatchObject({ installed_by_user_id: "11", calibrated_by_user_id: "11" });
      });

      it("dealer 0, an unmapped dealer and an unmapped user are errors naming them", () => {
        expect(failure(11)).toEqual([
          expect.objectContaining({ step: "dealer", message: "No dealer id found in record." }),
        ]);
        expect(failure(12)[0]?.message).toMatch(/^No matching dealer mapping found for dealer id 3/);
        expect(failure(14)[0]?.message).toMatch(/^Mapping for installer_user_id 103 not found/);
      });
    });

    describe("5. vehicle", () => {
      it("splits the vehicle type at the first space, trimmed", () => {
        expect(row(1).vehicle).toEqual({
          brand: "Toyota",
          model: "Land Cruiser",
          vehicle_no: "DXB A 12345",
          vehicle_chassis_no: "JTMHV05J604123456",
        });
        expect(row(15).vehicle).toMatchObject({ brand: "Nissan", model: "Patrol" });
        expect(row(16).vehicle).toMatchObject({ brand: "Canter", model: "Canter" });
      });

      it("the vehicle points at its certificate, is not a new registration, and an empty type makes none", async () => {
        expect(row(1).vehicle_certificate_id).toBe(String(row(1).id));
        expect(row(17).vehicle).toBeNull();
        const outcome = outcomes.get(17);
        expect(outcome?.kind === "migrated" && outcome.warnings).toEqual([
          expect.stringContaining("vehicle_type is empty"),
        ]);
        expect(
          await count(
            scenario.destination,
            "SELECT COUNT(*) AS n FROM vehicles WHERE new_registration = true",
          ),
        ).toBe(0);
      });

      it("a failed certificate leaves no vehicle behind", async () => {
        expect(await orphanVehicles(scenario.destination)).toBe(0);
        expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM vehicles")).toBe(15);
      });
    });

    describe("6. certificate", () => {
      it("status: renewed for older renewals of an ECU however it is spelled, active for the latest", () => {
        expect([row(1).status, row(2).status, row(3).status]).toEqual(["renewed", "renewed", "active"]);
      });

      it("status: nullified, cancelled, blocked, in that order of precedence", () => {
        expect(row(18).status).toBe("nullified");
        expect(row(18).serial_number).toBeNull();
        expect(row(19)).toMatchObject({
          status: "cancelled",
          cancelled: true,
          cancellation_date: "2024-03-31 08:00:00",
        });
        expect(row(20)).toMatchObject({ status: "blocked", cancelled: true });
        expect(row(21)).toMatchObject({ status: "blocked", cancelled: false });
      });

      it("a zero cancellation date is no cancellation", () => {
        expect(row(22)).toMatchObject({ status: "active", cancelled: false, cancellation_date: null });
      });

      it("dates are UTC; created_at and updated_at are the calibration instant", () => {
        expect(row(1)).toMatchObject({
          installation_date: "2024-03-01 08:00:00",
          calibration_date: "2024-03-02 08:00:00",
          expiry_date: "2025-03-01 08:00:00",
          created_at: "2024-03-02 08:00:00",
          updated_at: "2024-03-02 08:00:00",
        });
      });

      it("speed, counters and description are converted and copied", () => {
        expect(row(1)).toMatchObject({
          speed_limit: 80,
          km_reading: 1200,
          print_count: 1,
          renewal_count: 0,
          description: "front axle",
          country_id: 231,
        });
        expect(row(13).speed_limit).toBe(80);
        expect(row(24)).toMatchObject({ speed_limit: 0, km_reading: 0 });
        const outcome = outcomes.get(24);
        expect(outcome?.kind === "migrated" && outcome.warnings).toEqual([
          expect.stringContaining("'KM' has no digits"),
        ]);
      });
    });

    describe("7. ledger", () => {
      it("each migrated certificate has its ledger row with the new id and this run's id", async () => {
        const ledger: Array<{ legacy: string | number; id: string | number; run: string; at: string }> =
          await scenario.destination.query(
            `SELECT legacy_certificate_id AS legacy, new_certificate_id AS id, run_id AS run, ${dateText(scenario.destination, "migrated_at")} AS at
               FROM legacy_migration_ledger`,
          );
        expect(ledger).toHaveLength(16);
        for (const entry of ledger) {
          expect(Number(entry.id)).toBe(row(Number(entry.legacy)).id);
          expect(entry.run).toBe(summary.runId);
          expect(entry.at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        }
      });
    });
  });
}

destinationSuite("mysql");
destinationSuite("postgres");
// The demo's setting: everything, the legacy database included, in one PostgreSQL server.
destinationSuite("postgres", "postgres");
