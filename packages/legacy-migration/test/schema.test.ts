import { Result } from "@certs/result";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDestinationSchema, createLegacySchema } from "../src/testing/index.js";
import { freshDatabase } from "./support/databases.js";

interface ColumnInfo {
  type: string;
  nullable: boolean;
}

async function mysqlColumns(dataSource: DataSource, table: string): Promise<Record<string, ColumnInfo>> {
  const rows: Array<{ name: string; type: string; nullable: string }> = await dataSource.query(
    `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [table],
  );
  return Object.fromEntries(rows.map((r) => [r.name, { type: r.type, nullable: r.nullable === "YES" }]));
}

describe("legacy schema on MariaDB", () => {
  let legacy: DataSource;
  let legacyDatetime: DataSource;
  beforeAll(async () => {
    legacy = (await freshDatabase("mysql")).dataSource;
    legacyDatetime = (await freshDatabase("mysql")).dataSource;
    Result.getOrThrow(await createLegacySchema(legacy));
    Result.getOrThrow(await createLegacySchema(legacyDatetime, { dateStorage: "datetime" }));
  });
  afterAll(async () => {
    await legacy.destroy();
    await legacyDatetime.destroy();
  });

  it("creates certificate_record with the declared peewee types, dates as BIGINT epoch seconds", async () => {
    const columns = await mysqlColumns(legacy, "certificate_record");
    expect(columns["id"]).toEqual({ type: "int(11)", nullable: false });
    expect(columns["serialno"]).toEqual({ type: "int(11)", nullable: true });
    expect(columns["ecu"]).toEqual({ type: "varchar(50)", nullable: false });
    expect(columns["caliberater_technician_id"]).toEqual({ type: "int(11)", nullable: false });
    expect(columns["fleet_id"]).toEqual({ type: "varchar(20)", nullable: false });
    expect(columns["vehicle_type"]).toEqual({ type: "text", nullable: false });
    expect(columns["speed"]).toEqual({ type: "text", nullable: false });
    expect(columns["kilometer"]).toEqual({ type: "int(11)", nullable: true });
    for (const date of ["date_installation", "date_calibrate", "date_expiry", "date_cancelation"]) {
      expect(columns[date]).toEqual({ type: "bigint(20)", nullable: true });
    }
    expect(columns["description"]).toEqual({ type: "varchar(500)", nullable: true });
    expect(Object.keys(columns)).toHaveLength(25);
  });

  it("can store the certificate dates as DATETIME instead", async () => {
    const columns = await mysqlColumns(legacyDatetime, "certificate_record");
    expect(columns["date_calibrate"]).toEqual({ type: "datetime", nullable: true });
  });

  it("creates the other legacy tables", async () => {
    const tables: Array<{ name: string }> = await legacy.query(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1",
    );
    expect(tables.map((t) => t.name)).toEqual([
      "certificate_record",
      "customer_master",
      "dealer_master",
      "ecu_master",
      "fleet",
      "technician_master",
      "users",
    ]);
    expect((await mysqlColumns(legacy, "users"))["id"]).toEqual({ type: "bigint(20)", nullable: false });
  });
});

describe("destination schema", () => {
  it("on MariaDB: DATETIME columns, BIGINT keys, a unique serial and the ledger tables", async () => {
    const { dataSource } = await freshDatabase("mysql");
    try {
      Result.getOrThrow(await createDestinationSchema(dataSource));
      const certificates = await mysqlColumns(dataSource, "certificates");
      expect(certificates["installation_date"]).toEqual({ type: "datetime", nullable: false });
      expect(certificates["cancellation_date"]).toEqual({ type: "datetime", nullable: true });
      expect(certificates["serial_number"]).toEqual({ type: "bigint(20)", nullable: true });
      expect(certificates["device_id"]).toEqual({ type: "bigint(20)", nullable: true });
      expect(certificates["installed_by_id"]).toEqual({ type: "bigint(20)", nullable: false });
      expect(certificates["id"]).toEqual({ type: "int(11)", nullable: false });
      expect((await mysqlColumns(dataSource, "vehicles"))["certificate_id"]).toEqual({
        type: "bigint(20)",
        nullable: true,
      });
      const ledger = await mysqlColumns(dataSource, "legacy_migration_ledger");
      expect(ledger["legacy_certificate_id"]).toEqual({ type: "int(11)", nullable: false });
      const fks: Array<{ column: string; target: string; rule: string }> = await dataSource.query(
        `SELECT k.COLUMN_NAME AS \`column\`, k.REFERENCED_TABLE_NAME AS target, r.DELETE_RULE AS rule
           FROM information_schema.KEY_COLUMN_USAGE k
           JOIN information_schema.REFERENTIAL_CONSTRAINTS r
             ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
          WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = 'certificates' ORDER BY 1`,
      );
      expect(fks).toContainEqual({ column: "device_id", target: "devices", rule: "SET NULL" });
      expect(fks).toContainEqual({ column: "vehicle_id", target: "vehicles", rule: "SET NULL" });
      expect(fks).toContainEqual({ column: "installed_for_id", target: "customers", rule: "NO ACTION" });
      expect(fks.map((f) => f.column)).toContain("calibrated_by_id");
      await expect(
        dataSource.query("INSERT INTO certificates (serial_number) VALUES (1), (1)"),
      ).rejects.toThrow();
    } finally {
      await dataSource.destroy();
    }
  });

  it("on PostgreSQL: timestamp columns and the ledger tables", async () => {
    const { dataSource } = await freshDatabase("postgres");
    try {
      Result.getOrThrow(await createDestinationSchema(dataSource));
      const rows: Array<{ table_name: string; column_name: string; data_type: string }> =
        await dataSource.query(
          `SELECT table_name, column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name IN ('certificates', 'legacy_migration_ledger')`,
        );
      const type = (table: string, column: string) =>
        rows.find((r) => r.table_name === table && r.column_name === column)?.data_type;
      expect(type("certificates", "calibration_date")).toBe("timestamp without time zone");
      expect(type("certificates", "device_id")).toBe("bigint");
      expect(type("legacy_migration_ledger", "migrated_at")).toBe("timestamp without time zone");
    } finally {
      await dataSource.destroy();
    }
  });
});
