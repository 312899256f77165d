import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Result } from "@certs/result";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDestinationSchema, seedDestinationDatabase } from "../src/testing/index.js";
import { exited, spawnMigration } from "./support/child.js";
import { freshDatabase } from "./support/databases.js";
import { dateText, migratedCertificates } from "./support/destination-rows.js";
import { expectedMigration } from "./support/expectation.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

/** Every row the migration wrote, with dates as text, in a stable order. */
async function dump(destination: DataSource): Promise<unknown[]> {
  const d = (column: string) => dateText(destination, column);
  const certificates: unknown[] = await destination.query(
    `SELECT id, serial_number, status, device_id, ${d("installation_date")} AS i, ${d("calibration_date")} AS c,
            ${d("expiry_date")} AS e, ${d("cancellation_date")} AS x, cancelled, installed_by_id, calibrated_by_id,
            dealer_id, user_id, installed_for_id, vehicle_id, speed_limit, ${d("created_at")} AS ca, ${d("updated_at")} AS ua
       FROM certificates ORDER BY id`,
  );
  const vehicles: unknown[] = await destination.query("SELECT * FROM vehicles ORDER BY id");
  const technicians: unknown[] = await destination.query(
    `SELECT id, email, dealer_id, ${d("created_at")} AS ca FROM technicians ORDER BY id`,
  );
  const ledger: unknown[] = await destination.query(
    "SELECT legacy_certificate_id, new_certificate_id, vehicle_id FROM legacy_migration_ledger ORDER BY legacy_certificate_id",
  );
  return [certificates, vehicles, technicians, ledger];
}

describe.each(["datetime", "epoch"] as const)("legacy dates stored as %s", (dateStorage) => {
  let scenario: Scenario;
  const destinations: Array<{ url: string; dataSource: DataSource; mappingDir: string }> = [];

  beforeAll(async () => {
    scenario = await prepareScenario({ certificates: 400, seed: `zones-${dateStorage}`, dateStorage });
    for (let i = 0; i < 2; i++) {
      const destination = await freshDatabase("mysql");
      Result.getOrThrow(await createDestinationSchema(destination.dataSource));
      Result.getOrThrow(await seedDestinationDatabase(destination.dataSource, scenario.dataset));
      const mappingDir = await mkdtemp(path.join(tmpdir(), "zones-"));
      await cp(scenario.mappingDir, mappingDir, { recursive: true });
      destinations.push({ ...destination, mappingDir });
    }
  }, 120_000);
  afterAll(async () => {
    await scenario.close();
    await Promise.all(destinations.map((d) => d.dataSource.destroy()));
  });

  it("a migration under TZ=Asia/Kolkata and one under TZ=UTC write identical rows, in UTC", async () => {
    const zones = ["Asia/Kolkata", "UTC"];
    const runs = await Promise.all(
      zones.map((zone, i) => {
        const destination = destinations[i] as (typeof destinations)[number];
        return exited(
          spawnMigration(
            {
              legacyUrl: scenario.legacyUrl,
              destinationUrl: destination.url,
              mappingDir: destination.mappingDir,
              workers: 1,
              runId: "same-run",
              // Technicians the runs create are stamped with the clock; the two runs must read the same one,
              // or a second boundary between them shows up as a difference that has nothing to do with zones.
              now: "2025-03-01T20:30:00.000Z",
            },
            { TZ: zone },
          ),
        );
      }),
    );
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });
    // Each child really ran in its zone.
    const summaries = runs.map(
      (run) =>
        JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as {
          machineOffsetMinutes: number;
          migrated: number;
        },
    );
    expect(summaries.map((s) => s.machineOffsetMinutes)).toEqual([330, 0]);
    expect(summaries[0]?.migrated).toBeGreaterThan(200);
    const [kolkata, utc] = destinations.map((d) => d.dataSource) as [DataSource, DataSource];
    expect(await dump(kolkata)).toEqual(await dump(utc));

    // And the values are the right instants (the legacy epoch seconds, or Dubai wall clock minus four hours).
    const expectation = expectedMigration(scenario.dataset);
    // Technicians the run created carry the clock's instant as UTC text, not Kolkata's 2025-03-02 02:00:00.
    const seeded = new Set(scenario.dataset.destination.technicians.map((t) => String(t.id)));
    const technicians: Array<{ id: unknown; ca: string }> = await kolkata.query(
      `SELECT id, ${dateText(kolkata, "created_at")} AS ca FROM technicians`,
    );
    const created = technicians.filter((t) => !seeded.has(String(t.id)));
    expect(created).toHaveLength(expectation.createdTechnicians.size);
    for (const technician of created) expect(technician.ca).toBe("2025-03-01 20:30:00");
    const rows = await migratedCertificates(kolkata);
    expect(rows.size).toBe(expectation.migrated.size);
    for (const [legacyId, expected] of expectation.migrated) {
      expect(rows.get(legacyId)).toMatchObject({
        installation_date: expected.installation_date,
        calibration_date: expected.calibration_date,
        expiry_date: expected.expiry_date,
        cancellation_date: expected.cancellation_date,
        created_at: expected.created_at,
      });
    }
  }, 120_000);
});
