import { mkdtemp, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Result } from "@certs/result";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import {
  mappingFilePaths,
  migrateCertificates,
  openMigrationSession,
  type CertificateOutcome,
  type MigrateCertificatesOptions,
} from "../src/index.js";
import type { GeneratedCertificate } from "../src/testing/index.js";
import { count, dateText, migratedCertificates, orphanVehicles } from "./support/destination-rows.js";
import { certificate, handmadeDataset, MARCH_FIRST_NOON_DUBAI } from "./support/handmade.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

/** The schema page's section 7: each defect of the original tool, and the behaviour that replaces it. */

async function withScenario(
  certificates: GeneratedCertificate[],
  body: (scenario: Scenario) => Promise<void>,
  options: { dateStorage?: "epoch" | "datetime" } = {},
): Promise<void> {
  const scenario = await prepareScenario({ dataset: handmadeDataset(certificates), ...options });
  try {
    await body(scenario);
  } finally {
    await scenario.close();
  }
}

async function run(scenario: Scenario, options: Partial<MigrateCertificatesOptions> = {}) {
  const outcomes: CertificateOutcome[] = [];
  const summary = Result.getOrThrow(
    await migrateCertificates(
      { legacy: scenario.legacy, destination: scenario.destination },
      { mappingFiles: scenario.paths, onOutcome: (o) => outcomes.push(o), ...options },
    ),
  );
  return { summary, outcomes };
}

/** Puts a certificate with this serial into the destination, so a legacy one with the same serial fails on insert. */
async function occupySerial(scenario: Scenario, serial: number): Promise<void> {
  await scenario.destination.query(
    `INSERT INTO certificates (serial_number, status, installation_date, calibration_date, expiry_date, installed_by_id,
       calibrated_by_id, installed_by_user_id, calibrated_by_user_id, dealer_id, user_id, km_reading, speed_limit,
       country_id, created_at, updated_at)
     VALUES (${serial}, 'active', '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2025-01-01 00:00:00', 7, 7, 11, 11, 11,
       11, 0, 80, 231, '2024-01-01 00:00:00', '2024-01-01 00:00:00')`,
  );
}

describe("section 7: the original's defects and what the migration does instead", () => {
  it("1. orphan vehicles: a certificate that fails after its vehicle was written leaves no vehicle, retries add none", async () => {
    await withScenario([certificate(1, { serialno: 42 }), certificate(2)], async (scenario) => {
      await occupySerial(scenario, 42);
      const first = await run(scenario);
      expect(first.summary).toMatchObject({ migrated: 1, failed: 1 });
      const again = await run(scenario, { retryFailed: true });
      expect(again.summary).toMatchObject({ migrated: 0, failed: 1 });
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM vehicles")).toBe(1);
      expect(await orphanVehicles(scenario.destination)).toBe(0);
    });
  });

  it("2. batch inserts losing ids: one bad row does not abort its group, and every id is recorded", async () => {
    await withScenario(
      [1, 2, 3, 4, 5].map((id) => certificate(id, id === 3 ? { serialno: 42 } : {})),
      async (scenario) => {
        await occupySerial(scenario, 42);
        const { summary } = await run(scenario, { workers: 1, groupSize: 50 });
        expect(summary).toMatchObject({ migrated: 4, failed: 1 });
        const rows = await migratedCertificates(scenario.destination);
        expect([...rows.keys()].sort()).toEqual([1, 2, 4, 5]);
        for (const row of rows.values()) expect(row.vehicle_certificate_id).toBe(String(row.id));
        const exported = JSON.parse(await readFile(scenario.paths.certificates, "utf8")) as Record<
          string,
          { new_certificate_id: number }
        >;
        expect(Object.keys(exported).sort()).toEqual(["1", "2", "4", "5"]);
        for (const [legacyId, row] of rows)
          expect(exported[String(legacyId)]?.new_certificate_id).toBe(row.id);
      },
    );
  });

  it("3. mapping saved only at the end: the ledger row commits with its certificate, so a stopped run loses nothing", async () => {
    await withScenario(
      Array.from({ length: 60 }, (_, i) => certificate(i + 1)),
      async (scenario) => {
        const controller = new AbortController();
        const { summary } = await run(scenario, {
          workers: 1,
          groupSize: 10,
          signal: controller.signal,
          onProgress: () => controller.abort(),
        });
        expect(summary.stopReason).toBe("cancelled");
        expect(summary.migrated).toBeGreaterThan(0);
        expect(summary.migrated).toBeLessThan(60);
        const certificates = await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates");
        expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM legacy_migration_ledger")).toBe(
          certificates,
        );
        const resumed = await run(scenario);
        expect(resumed.summary).toMatchObject({ migrated: 60 - certificates, skipped: certificates });
        expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(60);
      },
    );
  });

  it("4. resume via NOT IN: pending records come by keyset pages, in id order, each once, migrated ones left out", async () => {
    const ids = [3, 4, 9, 10, 11, 15, 27, 28, 40, 41, 42, 43, 57, 90];
    await withScenario(
      ids.map((id) => certificate(id)),
      async (scenario) => {
        await run(scenario, { ids: [10, 28, 57] });
        const session = Result.getOrThrow(
          await openMigrationSession(
            { legacy: scenario.legacy, destination: scenario.destination },
            { mappingFiles: scenario.paths },
          ),
        );
        const pending: number[] = [];
        const done: number[] = [];
        let pages = 0;
        for await (const page of session.pendingPages({}, 4)) {
          pages += 1;
          pending.push(...Result.getOrThrow(page).pending.map((r) => r.id));
          done.push(...Result.getOrThrow(page).alreadyMigrated.map((r) => r.id));
        }
        expect(pages).toBe(4);
        expect(pending).toEqual(ids.filter((id) => ![10, 28, 57].includes(id)));
        expect(done).toEqual([10, 28, 57]);
        expect(Result.getOrThrow(await session.countPending())).toBe(ids.length - 3);
      },
    );
  });

  it("5. races: ten workers sharing caches never create a technician twice", async () => {
    const certificates = Array.from({ length: 30 }, (_, i) =>
      certificate(i + 1, {
        installer_user_id: 102,
        caliberater_user_id: 102,
        installer_technician_id: 0,
        caliberater_technician_id: 0,
      }),
    );
    await withScenario(certificates, async (scenario) => {
      const { summary } = await run(scenario, { workers: 10, groupSize: 1 });
      expect(summary.migrated).toBe(30);
      expect(
        await count(
          scenario.destination,
          "SELECT COUNT(*) AS n FROM technicians WHERE created_by IS NOT NULL",
        ),
      ).toBe(1);
      // The technician is added to technicians_mapping.json, once, in the certificate migration's shape.
      const mapping = JSON.parse(await readFile(scenario.paths.technicians, "utf8")) as Record<
        string,
        { user_id?: number }
      >;
      expect(Object.values(mapping).filter((entry) => entry.user_id === 12)).toHaveLength(1);
    });
  });

  it("6. hang at the end of the queue: more workers than certificates, or none at all, still finishes", async () => {
    await withScenario([certificate(1), certificate(2)], async (scenario) => {
      expect((await run(scenario, { workers: 10, groupSize: 50 })).summary.migrated).toBe(2);
      expect((await run(scenario, { workers: 10 })).summary).toMatchObject({
        migrated: 0,
        total: 0,
        skipped: 2,
      });
    });
  });

  it("7. Ctrl+C: the run stops cleanly, commits what it did, writes the report and the mapping file", async () => {
    await withScenario(
      Array.from({ length: 80 }, (_, i) => certificate(i + 1)),
      async (scenario) => {
        const controller = new AbortController();
        const reportPath = path.join(scenario.mappingDir, "stopped.xlsx");
        const { summary, outcomes } = await run(scenario, {
          workers: 2,
          groupSize: 5,
          signal: controller.signal,
          reportPath,
          onProgress: (p) => {
            if (p.processed >= 10) controller.abort();
          },
        });
        expect(summary.stopReason).toBe("cancelled");
        expect(summary.migrated).toBeLessThan(80);
        expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(
          summary.migrated,
        );
        expect(outcomes).toHaveLength(summary.migrated);
        const workbook = new ExcelJS.Workbook();
        await workbook.xlsx.readFile(reportPath);
        expect(workbook.getWorksheet("Migrated")?.rowCount).toBe(summary.migrated + 1);
        const exported = JSON.parse(await readFile(scenario.paths.certificates, "utf8")) as Record<
          string,
          unknown
        >;
        expect(Object.keys(exported)).toHaveLength(summary.migrated);
      },
    );
  });

  it("8. swallowed and noisy errors: warnings are reported, failures are one coded line without a stack trace", async () => {
    await withScenario(
      [certificate(1, { speed: "KM", vehicle_type: "  " }), certificate(2, { serialno: 42 })],
      async (scenario) => {
        await occupySerial(scenario, 42);
        const { outcomes } = await run(scenario);
        const migrated = outcomes.find((o) => o.kind === "migrated");
        expect(migrated?.kind === "migrated" && migrated.warnings).toHaveLength(2);
        const failed = outcomes.find((o) => o.kind === "failed");
        const failure = failed?.kind === "failed" ? failed.failures[0] : undefined;
        expect(failure).toMatchObject({ step: "write", code: "DATABASE_ERROR" });
        expect(failure?.message).toMatch(/^could not insert the certificate: .*42/);
        expect(failure?.message).not.toMatch(/\n|\s+at\s/);
      },
    );
  });

  it("9. unmigrated rows lacking the legacy id: failures carry legacy id, serial, ECU and step", async () => {
    await withScenario([certificate(1, { ecu: " XYZ9 ", serialno: 5 })], async (scenario) => {
      const { outcomes } = await run(scenario);
      expect(outcomes[0]).toMatchObject({
        kind: "failed",
        legacy: { legacyId: 1, serialNumber: 5, ecu: "XYZ9", legacyCustomerId: 501 },
        failures: [{ step: "device", code: "MAPPING_ERROR" }],
      });
    });
  });

  it("10. time zones: DATETIME and epoch storage give the same UTC values; a zero date is no cancellation", async () => {
    const certificates = [certificate(1), certificate(2, { date_cancelation: 0 })];
    const values: unknown[] = [];
    for (const dateStorage of ["epoch", "datetime"] as const) {
      await withScenario(
        certificates,
        async (scenario) => {
          await run(scenario);
          const rows = await migratedCertificates(scenario.destination);
          values.push(
            [...rows.values()].map((r) => [r.installation_date, r.created_at, r.cancelled, r.status]),
          );
          expect(rows.get(2)).toMatchObject({ cancelled: false, cancellation_date: null, status: "active" });
        },
        { dateStorage },
      );
    }
    expect(values[0]).toEqual(values[1]);
    expect(values[0]).toContainEqual(["2024-03-01 08:00:00", "2024-03-02 08:00:00", false, "active"]);
  });

  it("11. NULL required dates: a VALIDATION_ERROR before any write (no vehicle, technician or device block)", async () => {
    await withScenario(
      [
        certificate(1, {
          date_expiry: null,
          activstate: 0,
          installer_user_id: 102,
          installer_technician_id: 0,
        }),
      ],
      async (scenario) => {
        const { outcomes } = await run(scenario);
        expect(outcomes[0]).toMatchObject({
          kind: "failed",
          failures: [
            {
              step: "dates",
              code: "VALIDATION_ERROR",
              message: expect.stringContaining("date_expiry is missing"),
            },
          ],
        });
        expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM vehicles")).toBe(0);
        expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM technicians")).toBe(3);
        expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM devices WHERE blocked = 1")).toBe(
          0,
        );
      },
    );
  });

  it("12. the ECU filter is trimmed and case-insensitive, like the device lookup", async () => {
    const certificates = [
      certificate(1, { ecu: "D1005E000001" }),
      certificate(2, { ecu: " d1005e000001", renewal_count: 1 }),
      certificate(3, { ecu: "D1005E000001  ", renewal_count: 2 }),
      certificate(4, { ecu: "ESL000002" }),
    ];
    await withScenario(certificates, async (scenario) => {
      const { summary } = await run(scenario, { ecu: "  d1005E000001 " });
      expect(summary.migrated).toBe(3);
      expect([...(await migratedCertificates(scenario.destination)).keys()].sort()).toEqual([1, 2, 3]);
    });
  });

  it("13. auto-created technicians get a country and a technician_user row; email matches stay in the dealer", async () => {
    await withScenario(
      [certificate(1, { installer_user_id: 102, installer_technician_id: 0 })],
      async (scenario) => {
        await run(scenario);
        const rows: Array<{ id: string | number; country_id: string | number; dealer_id: string | number }> =
          await scenario.destination.query(
            "SELECT id, country_id, dealer_id FROM technicians WHERE created_by IS NOT NULL",
          );
        expect(rows.map((r) => [Number(r.country_id), String(r.dealer_id)])).toEqual([[231, "11"]]);
        expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM technician_user")).toBe(1);
        // Technician 60 has the same email but belongs to dealer 21, so it was not used.
        expect((await migratedCertificates(scenario.destination)).get(1)?.installed_by_id).toBe(
          String(rows[0]?.id),
        );
      },
    );
  });

  it("14. mapping files: a corrupt file stops the run at start with the file and entry named; writes are atomic", async () => {
    await withScenario([certificate(1)], async (scenario) => {
      const good = await readFile(scenario.paths.customers, "utf8");
      await writeFile(scenario.paths.customers, '{"501": 501, "502": "five hundred and two"}');
      const result = await migrateCertificates(
        { legacy: scenario.legacy, destination: scenario.destination },
        { mappingFiles: scenario.paths },
      );
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe("CONFIGURATION_ERROR");
        expect(result.error.message).toContain(scenario.paths.customers);
        expect(result.error.message).toContain('entry "502"');
      }
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(0);
      await writeFile(scenario.paths.customers, good);
      await run(scenario);
      expect((await readdir(scenario.mappingDir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    });
  });

  it("15. the report always has both sheets, at a path of one's choosing, even when nothing migrated", async () => {
    await withScenario([certificate(1, { ecu: "XYZ" })], async (scenario) => {
      const reportPath = path.join(scenario.mappingDir, "elsewhere.xlsx");
      await run(scenario, { reportPath });
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(reportPath);
      expect(workbook.worksheets.map((w) => [w.name, w.rowCount])).toEqual([
        ["Migrated", 1],
        ["Unmigrated", 2],
        ["Summary", expect.any(Number)],
      ]);
    });
  });

  it("16. hard-coded settings: country, time zone, mapping file names and worker count are options", async () => {
    await withScenario(
      [certificate(1, { installer_user_id: 102, installer_technician_id: 0 })],
      async (scenario) => {
        const elsewhere = await mkdtemp(path.join(tmpdir(), "renamed-"));
        const paths = { ...mappingFilePaths(elsewhere), users: path.join(elsewhere, "accounts.json") };
        await rename(scenario.paths.users, paths.users);
        for (const key of ["customers", "technicians", "certificates"] as const)
          await rename(scenario.paths[key], paths[key]);
        const { summary } = await run(scenario, {
          mappingFiles: paths,
          countryId: 784,
          timeZone: "Asia/Kolkata",
          workers: 3,
        });
        expect(summary.migrated).toBe(1);
        const [row] = (await scenario.destination.query(
          `SELECT c.country_id AS certificate_country, t.country_id AS technician_country,
                  ${dateText(scenario.destination, "c.calibration_date")} AS calibration
             FROM certificates c JOIN technicians t ON t.id = c.installed_by_id`,
        )) as Array<Record<string, unknown>>;
        // DATETIME legacy dates are read in the configured zone: 12:00 in Kolkata is 06:30 UTC.
        expect(row).toMatchObject({
          certificate_country: 784,
          technician_country: "784",
          calibration: "2024-03-02 06:30:00",
        });
      },
      { dateStorage: "datetime" },
    );
  });

  it("17. prerequisite migrations deleting rows: the migration never deletes destination rows", async () => {
    await withScenario([certificate(1), certificate(2, { ecu: "XYZ" })], async (scenario) => {
      await occupySerial(scenario, 42);
      const tables = ["users", "customers", "technicians", "devices", "certificates", "device_types"];
      const before = await Promise.all(
        tables.map((t) => count(scenario.destination, `SELECT COUNT(*) AS n FROM ${t}`)),
      );
      await run(scenario);
      const after = await Promise.all(
        tables.map((t) => count(scenario.destination, `SELECT COUNT(*) AS n FROM ${t}`)),
      );
      expect(after).toEqual(before.map((n, i) => (tables[i] === "certificates" ? n + 1 : n)));
      expect(
        await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates WHERE serial_number = 42"),
      ).toBe(1);
    });
  });
});

// Keeps the epoch constant honest: 2024-03-01 12:00 in Dubai is 08:00 UTC.
it("the hand-made world's base date is 2024-03-01T08:00:00Z", () => {
  expect(new Date(MARCH_FIRST_NOON_DUBAI * 1000).toISOString()).toBe("2024-03-01T08:00:00.000Z");
});
