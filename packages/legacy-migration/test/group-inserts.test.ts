import type { Logger } from "@certs/db";
import { Result } from "@certs/result";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateCertificates, type CertificateOutcome, type MigrationSummary } from "../src/index.js";
import { LEDGER_TABLES } from "../src/schema/ledger-schema.js";
import {
  count,
  migratedCertificates,
  orphanVehicles,
  type ActualCertificate,
} from "./support/destination-rows.js";
import { certificate, handmadeDataset } from "./support/handmade.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

const ECUS = ["D1005E000001", "ESL000002", "S100000003"] as const;

/** Ten certificates of one group, each with its own serial, chassis and registration. */
function tenCertificates(bad: boolean) {
  return Array.from({ length: 10 }, (_, i) => {
    const id = i + 1;
    const own = {
      ecu: ECUS[i % ECUS.length] as string,
      vehicle_chassis: `CHASSIS-${id}`,
      vehicle_registration: `DXB ${id}`,
    };
    // Legacy 6 would block device 4; with `bad` its serial is taken, so its certificate insert fails.
    if (id === 6)
      return certificate(id, { ...own, ecu: "DBW000004", activstate: 0, ...(bad ? { serialno: 777 } : {}) });
    return certificate(id, own);
  });
}

/** Records the debug lines saying a group's multi-row insert fell back to one certificate at a time. */
function fallbackRecorder(): { logger: Logger; fallbacks: unknown[] } {
  const fallbacks: unknown[] = [];
  const discard = (): void => {};
  return {
    fallbacks,
    logger: {
      debug: (obj, msg) => {
        if (msg?.startsWith("a multi-row statement failed") === true) fallbacks.push(obj);
      },
      info: discard,
      warn: discard,
      error: discard,
    },
  };
}

function groupSuite(kind: "mysql" | "postgres", bad: boolean): void {
  const title = bad
    ? "a group whose multi-row insert fails on one bad record"
    : "a group written with multi-row inserts";
  describe(`${title} (${kind === "mysql" ? "MariaDB" : "PostgreSQL"} destination)`, () => {
    let scenario: Scenario;
    let summary: MigrationSummary;
    let rows: Map<number, ActualCertificate>;
    const outcomes = new Map<number, CertificateOutcome>();
    const recorder = fallbackRecorder();

    beforeAll(async () => {
      scenario = await prepareScenario({ dataset: handmadeDataset(tenCertificates(bad)), destination: kind });
      if (bad) {
        await scenario.destination.query(
          `INSERT INTO certificates (serial_number, status, installation_date, calibration_date, expiry_date,
             installed_by_id, calibrated_by_id, installed_by_user_id, calibrated_by_user_id, dealer_id, user_id,
             km_reading, speed_limit, country_id, created_at, updated_at)
           VALUES (777, 'active', '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2025-01-01 00:00:00', 7, 7, 11, 11,
             11, 11, 0, 80, 231, '2024-01-01 00:00:00', '2024-01-01 00:00:00')`,
        );
      }
      summary = Result.getOrThrow(
        await migrateCertificates(
          { legacy: scenario.legacy, destination: scenario.destination },
          {
            mappingFiles: scenario.paths,
            workers: 1,
            groupSize: 10,
            logger: recorder.logger,
            onOutcome: (o) => outcomes.set(o.legacy.legacyId, o),
          },
        ),
      );
      rows = await migratedCertificates(scenario.destination);
    }, 120_000);
    afterAll(async () => scenario.close());

    const good = bad ? [1, 2, 3, 4, 5, 7, 8, 9, 10] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    it(bad ? "the bad record fails alone; its neighbours migrate" : "every record migrates", () => {
      expect([...rows.keys()].sort((a, b) => a - b)).toEqual(good);
      expect(summary.migrated).toBe(good.length);
      expect(summary.failed).toBe(bad ? 1 : 0);
      expect(recorder.fallbacks).toHaveLength(bad ? 1 : 0);
      if (bad) {
        const outcome = outcomes.get(6);
        expect(outcome?.kind).toBe("failed");
        expect(outcome?.kind === "failed" && outcome.failures[0]).toMatchObject({
          step: "write",
          code: "DATABASE_ERROR",
          message: expect.stringMatching(/^could not insert the certificate/),
        });
      }
    });

    it("each certificate has its own record's vehicle, pointing back at it, and the ids it reported", () => {
      for (const legacyId of good) {
        const row = rows.get(legacyId);
        expect(row?.vehicle).toMatchObject({
          vehicle_chassis_no: `CHASSIS-${legacyId}`,
          vehicle_no: `DXB ${legacyId}`,
        });
        expect(row?.vehicle_certificate_id).toBe(String(row?.id));
        expect(row?.serial_number).toBe(String(900_000 + legacyId));
        const outcome = outcomes.get(legacyId);
        expect(outcome?.kind === "migrated" && outcome.certificate.newCertificateId).toBe(row?.id);
      }
    });

    it("new ids follow the legacy order", () => {
      const ids = good.map((legacyId) => rows.get(legacyId)?.id ?? 0);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    });

    it("leaves no orphan vehicle, and blocks device 4 only if its certificate committed", async () => {
      expect(await orphanVehicles(scenario.destination)).toBe(0);
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM vehicles")).toBe(good.length);
      const blocked = await count(
        scenario.destination,
        "SELECT COUNT(*) AS n FROM devices WHERE id = 4 AND blocked = 1",
      );
      expect(blocked).toBe(bad ? 0 : 1);
    });

    it("writes ledger rows for the migrated and a failure row for the bad record only", async () => {
      expect(await count(scenario.destination, `SELECT COUNT(*) AS n FROM ${LEDGER_TABLES.ledger}`)).toBe(
        good.length,
      );
      const failures: Array<{ id: string | number }> = await scenario.destination.query(
        `SELECT legacy_certificate_id AS id FROM ${LEDGER_TABLES.failures}`,
      );
      expect(failures.map((f) => Number(f.id))).toEqual(bad ? [6] : []);
    });
  });
}

for (const kind of ["mysql", "postgres"] as const) {
  groupSuite(kind, false);
  groupSuite(kind, true);
}
