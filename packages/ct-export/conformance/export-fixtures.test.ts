import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCerts, verifyPendingDirectory } from "../src/index.js";
import { seedCertsTable, type CertRowData } from "../src/testing/index.js";
import { countRows, openCertsDataSource } from "../test/certs-database.js";
import { exactlyOnceViolation, readOutput, rowKey } from "../test/pending-output.js";
import { loadFixtureEntries } from "./ct-fixtures.js";

const fixtureRows: CertRowData[] = loadFixtureEntries().map((entry, i) => ({
  ct_entry: entry.ct_entry,
  ct_log_url: entry.ct_log_url,
  log_name: entry.log_name,
  worker_name: entry.worker_name,
  ct_index: entry.ct_index,
  // Some rows get an address, so the column's values are seen to pass through when it exists.
  ip_address: i % 3 === 0 ? `198.51.100.${i + 1}` : null,
}));

describe.each(["mysql", "postgres"] as const)("exporting the 46 real fixture entries from %s", (kind) => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    dataSource = await openCertsDataSource(db.url);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it("has 46 distinct rows to export", () => {
    expect(fixtureRows).toHaveLength(46);
    expect(new Set(fixtureRows.map(rowKey)).size).toBe(46);
  });

  it.each([true, false])(
    "exports each real entry exactly once, byte for byte (ip_address column: %s)",
    async (withIp) => {
      await seedCertsTable(dataSource, fixtureRows, { withIpAddress: withIp });
      const dir = path.join(mkdtempSync(path.join(tmpdir(), "ct-fixtures-")), "pending", "upload_failure");
      const result = await exportCerts(dataSource, { outputDir: dir, batchSize: 32, sleepMs: 0 });
      if (!result.ok) throw new Error(result.error.message);
      expect(result.value).toMatchObject({ rows: 46, files: 2, skippedIds: [] });

      const output = readOutput(dir);
      expect(exactlyOnceViolation(fixtureRows, output, withIp)).toBeNull();
      expect(output.files).toHaveLength(2);
      expect(output.others).toEqual([]);
      expect(await countRows(dataSource)).toBe(0);
      // The original export's first row uses spaced separators: it must come out exactly as it went in.
      expect(output.entries.some((e) => e.ct_entry.startsWith('{"leaf_input": "'))).toBe(true);

      const report = await verifyPendingDirectory(dir);
      if (!report.ok) throw new Error(report.error.message);
      expect(report.value).toMatchObject({
        files: 2,
        entries: 46,
        problems: [],
        byEntryType: { x509_entry: 14, precert_entry: 32 },
      });
    },
  );
});
