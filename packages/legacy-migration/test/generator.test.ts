import { createHash } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Result } from "@certs/result";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { loadMappingFiles } from "../src/index.js";
import {
  createDestinationSchema,
  createLegacySchema,
  generateLegacyDataset,
  seedDestinationDatabase,
  seedLegacyDatabase,
  writeDatasetMappingFiles,
} from "../src/testing/index.js";
import { freshDatabase } from "./support/databases.js";

describe("generateLegacyDataset", () => {
  const dataset = generateLegacyDataset({ certificates: 3000, seed: "generator-test" });
  const certificates = dataset.legacy.certificates;

  it("is deterministic from its seed", () => {
    expect(generateLegacyDataset({ certificates: 3000, seed: "generator-test" })).toEqual(dataset);
    expect(generateLegacyDataset({ certificates: 3000, seed: "other" }).legacy.certificates).not.toEqual(
      certificates,
    );
  });

  it("gives a seed the same dataset, to the byte, as it always has", () => {
    // Pinned so that a change in the order of the generator's random draws shows here, not in a benchmark.
    const json = JSON.stringify(
      generateLegacyDataset({ certificates: 1234, seed: 42, premigratedShare: 0.1, defectShare: 0.05 }),
    );
    expect(createHash("sha256").update(json).digest("hex")).toBe(
      "e2c13a5d70af0f26fb7321da4533ff77f5b06f25cafbc5e5cf0ef3418163706a",
    );
  });

  it("makes exactly N certificates with increasing, gapped ids", () => {
    expect(certificates).toHaveLength(3000);
    const ids = certificates.map((c) => c.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(3000);
    expect(ids.at(-1)).toBeGreaterThan(3000);
  });

  it("covers every kind of messy record", () => {
    const count = (predicate: (c: (typeof certificates)[number]) => boolean) =>
      certificates.filter(predicate).length;
    expect(count((c) => c.renewal_count > 0)).toBeGreaterThan(100);
    expect(count((c) => c.date_cancelation !== null && c.date_cancelation > 0)).toBeGreaterThan(50);
    expect(count((c) => c.date_cancelation === 0)).toBeGreaterThan(0);
    expect(count((c) => c.activstate === 0)).toBeGreaterThan(50);
    expect(count((c) => c.serialno === null)).toBeGreaterThan(50);
    expect(count((c) => /^\s/.test(c.ecu))).toBeGreaterThan(50);
    expect(count((c) => c.ecu !== c.ecu.toUpperCase())).toBeGreaterThan(20);
    expect(count((c) => c.dealer_id === 0)).toBeGreaterThan(0);
    expect(count((c) => c.customer_id === 0)).toBeGreaterThan(0);
    expect(count((c) => c.installer_technician_id === 0)).toBeGreaterThan(100);
    expect(count((c) => c.date_installation === null)).toBeGreaterThan(0);
    expect(count((c) => !/[0-9]/.test(c.speed))).toBeGreaterThan(50);
    expect(count((c) => c.speed.includes("."))).toBeGreaterThan(50);
    expect(
      count((c) => c.vehicle_type.trim() !== "" && !c.vehicle_type.trim().includes(" ")),
    ).toBeGreaterThan(50);
    expect(count((c) => c.vehicle_type.trim().includes(" "))).toBeGreaterThan(50);
    expect(count((c) => c.vehicle_type === "")).toBeGreaterThan(0);
    const customerIds = new Set(dataset.mappings.customers.map((m) => m.key));
    expect(count((c) => c.customer_id > 0 && !customerIds.has(String(c.customer_id)))).toBeGreaterThan(0);
    const deviceEcus = new Set(dataset.destination.devices.map((d) => String(d["ecu_number"]).toUpperCase()));
    expect(count((c) => !deviceEcus.has(c.ecu.trim().toUpperCase()))).toBeGreaterThan(10);
  });

  it("shares technicians across certificates and lists user mappings out of numeric order", () => {
    const technicianUse = new Map<number, number>();
    for (const c of certificates) {
      if (c.installer_technician_id > 0) {
        technicianUse.set(c.installer_technician_id, (technicianUse.get(c.installer_technician_id) ?? 0) + 1);
      }
    }
    expect(Math.max(...technicianUse.values())).toBeGreaterThan(5);
    const keys = dataset.mappings.users.map((m) => Number(m.key));
    expect(keys).not.toEqual([...keys].sort((a, b) => a - b));
  });
});

describe("seeding real databases", () => {
  const dataset = generateLegacyDataset({ certificates: 2000, seed: "seeding" });
  let legacy: DataSource;
  let mysqlDestination: DataSource;
  let postgresDestination: DataSource;

  beforeAll(async () => {
    [legacy, mysqlDestination, postgresDestination] = await Promise.all([
      freshDatabase("mysql").then((d) => d.dataSource),
      freshDatabase("mysql").then((d) => d.dataSource),
      freshDatabase("postgres").then((d) => d.dataSource),
    ]);
  });
  afterAll(async () => {
    await Promise.all([legacy.destroy(), mysqlDestination.destroy(), postgresDestination.destroy()]);
  });

  it("seeds the legacy tables with epoch dates, quickly", async () => {
    Result.getOrThrow(await createLegacySchema(legacy));
    const started = Date.now();
    Result.getOrThrow(await seedLegacyDatabase(legacy, dataset));
    expect(Date.now() - started).toBeLessThan(20_000);
    const [{ n }] = (await legacy.query("SELECT COUNT(*) AS n FROM certificate_record")) as [{ n: string }];
    expect(Number(n)).toBe(2000);
    const first = dataset.legacy.certificates[0];
    const [row] = (await legacy.query(
      "SELECT ecu, CAST(date_calibrate AS CHAR) AS calibrate FROM certificate_record WHERE id = ?",
      [first?.id],
    )) as [{ ecu: string; calibrate: string }];
    expect(row).toEqual({ ecu: first?.ecu, calibrate: String(first?.date_calibrate) });
  });

  it("seeds DATETIME legacy dates as Dubai wall-clock time", async () => {
    const { dataSource } = await freshDatabase("mysql");
    try {
      Result.getOrThrow(await createLegacySchema(dataSource, { dateStorage: "datetime" }));
      const small = generateLegacyDataset({ certificates: 50, seed: "dt" });
      Result.getOrThrow(await seedLegacyDatabase(dataSource, small, { dateStorage: "datetime" }));
      const first = small.legacy.certificates[0];
      const [row] = (await dataSource.query(
        "SELECT CAST(date_calibrate AS CHAR) AS calibrate FROM certificate_record WHERE id = ?",
        [first?.id],
      )) as [{ calibrate: string }];
      // Dubai is UTC+4 all year: the wall clock is the UTC instant plus four hours.
      const expected = new Date(((first?.date_calibrate ?? 0) + 4 * 3600) * 1000)
        .toISOString()
        .slice(0, 19)
        .replace("T", " ");
      expect(row.calibrate).toBe(expected);
    } finally {
      await dataSource.destroy();
    }
  });

  it("seeds the destination prerequisites on MariaDB and PostgreSQL", async () => {
    for (const destination of [mysqlDestination, postgresDestination]) {
      Result.getOrThrow(await createDestinationSchema(destination));
      Result.getOrThrow(await seedDestinationDatabase(destination, dataset));
      const [{ n }] = (await destination.query("SELECT COUNT(*) AS n FROM devices")) as [{ n: string }];
      expect(Number(n)).toBe(dataset.destination.devices.length);
    }
    // PostgreSQL's sequence continues after the seeded ids.
    const [inserted] = (await postgresDestination.query(
      "INSERT INTO technicians (name, email, phone, dealer_id) VALUES ('n', 'e', 'p', 1) RETURNING id",
    )) as [{ id: string }];
    const maxSeeded = Math.max(...dataset.destination.technicians.map((t) => Number(t["id"])));
    expect(Number(inserted.id)).toBeGreaterThan(maxSeeded);
  });

  it("writes mapping files that the loader accepts, in the dataset's order", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dataset-mappings-"));
    const paths = Result.getOrThrow(await writeDatasetMappingFiles(dir, dataset));
    const files = Result.getOrThrow(await loadMappingFiles(paths));
    expect(files.users.map((u) => u.userId)).toEqual(dataset.mappings.users.map((m) => m.key));
    expect(files.customers.size).toBe(dataset.mappings.customers.length);
    expect(files.certificates).toHaveLength(dataset.mappings.certificates.length);
    expect(files.missing).toEqual([]);
  });
});
