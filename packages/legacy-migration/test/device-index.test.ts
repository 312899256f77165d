import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceIndex } from "../src/migration/device-index.js";
import { freshDatabase } from "./support/databases.js";

// id, ecu_number, blocked: upper-case numbers, one stored in lower case, one with blanks, two that differ
// only by case (ambiguous for a case-insensitive lookup), and one blocked.
const DEVICES: Array<[number, string, number]> = [
  [1, "D1005E000001", 0],
  [2, "esl000002", 0],
  [3, " S100000003 ", 1],
  [4, "DBW000004", 0],
  [5, "Xy9", 0],
  [6, "xY9", 0],
  [7, "A", 0],
  [8, "AB", 0],
];

const RENEWALS = new Map([
  ["D1005E000001", 2],
  ["ESL000002", 1],
  ["S100000003", 3],
  ["NO-DEVICE", 5],
]);

for (const kind of ["mysql", "postgres"] as const) {
  describe(`the device cache (${kind === "mysql" ? "MariaDB" : "PostgreSQL"})`, () => {
    let index: DeviceIndex;
    let close: () => Promise<void>;

    beforeAll(async () => {
      const { dataSource } = await freshDatabase(kind);
      close = () => dataSource.destroy();
      // A binary collation on MariaDB, so numbers that differ only by case can both exist, as on PostgreSQL.
      const text = kind === "mysql" ? "VARCHAR(255) COLLATE utf8mb4_bin" : "VARCHAR(255)";
      await dataSource.query(`CREATE TABLE devices (id BIGINT PRIMARY KEY, ecu_number ${text}, blocked INT)`);
      for (const [id, ecu, blocked] of DEVICES) {
        await dataSource.query(
          kind === "mysql"
            ? "INSERT INTO devices (id, ecu_number, blocked) VALUES (?, ?, ?)"
            : "INSERT INTO devices (id, ecu_number, blocked) VALUES ($1, $2, $3)",
          [id, ecu, blocked],
        );
      }
      // Pages of three rows, so the keyset paging crosses several pages.
      index = await DeviceIndex.load(dataSource, RENEWALS, 3);
    });
    afterAll(async () => close());

    it("finds a number exactly, trimmed, and case-insensitively, each with its ECU's renewal count", () => {
      expect(index.find("D1005E000001")).toEqual({ id: "1", blocked: false, maxRenewalCount: 2 });
      expect(index.find("  d1005e000001 ")).toEqual({ id: "1", blocked: false, maxRenewalCount: 2 });
      expect(index.find("ESL000002")).toEqual({ id: "2", blocked: false, maxRenewalCount: 1 });
      expect(index.find("esl000002")).toEqual({ id: "2", blocked: false, maxRenewalCount: 1 });
      expect(index.find("S100000003")).toEqual({ id: "3", blocked: true, maxRenewalCount: 3 });
      expect(index.find("DBW000004")).toEqual({ id: "4", blocked: false, maxRenewalCount: 0 });
    });

    it("prefers the exact number, and calls a case-insensitive match of several devices ambiguous", () => {
      expect(index.find("Xy9")).toMatchObject({ id: "5" });
      expect(index.find(" xY9")).toMatchObject({ id: "6" });
      expect(index.find("XY9")).toBe("ambiguous");
      expect(index.find("xy9")).toBe("ambiguous");
    });

    it("tells prefixes and unknown numbers apart", () => {
      expect(index.find("A")).toMatchObject({ id: "7" });
      expect(index.find("ab")).toMatchObject({ id: "8" });
      expect(index.find("ABC")).toBeUndefined();
      expect(index.find("")).toBeUndefined();
      expect(index.find("NO-DEVICE")).toBeUndefined();
    });

    it("remembers a device blocked later", () => {
      index.blocked.add("4");
      expect(index.find("DBW000004")).toMatchObject({ id: "4", blocked: true });
    });
  });
}
