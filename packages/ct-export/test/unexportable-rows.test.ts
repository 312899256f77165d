import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, startPrivateServer, type PrivateServer, type TestDatabase } from "@certs/testdb";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCerts, type ExportSummary } from "../src/index.js";
import { generateCertRows, seedCertsTable, type CertRowData } from "../src/testing/index.js";
import { countRows, openCertsDataSource } from "./certs-database.js";
import { exactlyOnceViolation, readOutput } from "./pending-output.js";

let rows: CertRowData[];

beforeAll(async () => {
  rows = await generateCertRows({ seed: "unexportable-rows", count: 100, distinctEntries: 20 });
});

function outputDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "ct-rows-")), "upload_failure");
}

function summaryOf(result: {
  ok: boolean;
  value?: ExportSummary;
  error?: { message: string };
}): ExportSummary {
  if (!result.ok || result.value === undefined) throw new Error(result.error?.message ?? "export failed");
  return result.value;
}

/** Every entry of every pending file in the directory, parsed, in file-name order. */
function parsedEntries(dir: string): Record<string, unknown>[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .flatMap((name) => JSON.parse(readFileSync(path.join(dir, name), "utf8")) as Record<string, unknown>[]);
}

async function allowNulls(
  dataSource: DataSource,
  kind: "mysql" | "postgres",
  columns: string[],
): Promise<void> {
  for (const column of columns) {
    const type = column === "ct_entry" ? "TEXT" : column === "ct_index" ? "BIGINT" : "VARCHAR(255)";
    await dataSource.query(
      kind === "mysql"
        ? `ALTER TABLE certs MODIFY ${column} ${type} NULL`
        : `ALTER TABLE certs ALTER COLUMN ${column} DROP NOT NULL`,
    );
  }
}

describe.each(["mysql", "postgres"] as const)("rows that are not ordinary, on %s", (kind) => {
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

  it.each(["ct_entry", "ct_log_url", "log_name", "worker_name"])(
    'a SQL NULL in %s is written as JSON null (not the string "null") and the row leaves the table',
    async (column) => {
      await seedCertsTable(dataSource, rows.slice(0, 5), { withIpAddress: false });
      await allowNulls(dataSource, kind, [column]);
      await dataSource.query(`UPDATE certs SET ${column} = NULL WHERE id = 3`);
      const dir = outputDir();
      const summary = summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 32, sleepMs: 0 }));
      expect(summary).toMatchObject({ rows: 5, skippedIds: [] });
      const entries = parsedEntries(dir);
      expect(entries).toHaveLength(5);
      expect(entries[2]?.[column]).toBeNull();
      expect(entries.filter((entry) => entry[column] === null)).toHaveLength(1);
      expect(readFileSync(path.join(dir, readOutput(dir).files[0] ?? ""), "utf8")).toContain(
        `"${column}": null,`,
      );
      expect(await countRows(dataSource)).toBe(0);
    },
  );

  it("a NULL ct_index in the middle of 100 rows is skipped by id; the other 99 are exported once", async () => {
    await seedCertsTable(dataSource, rows, { withIpAddress: false });
    await allowNulls(dataSource, kind, ["ct_index"]);
    await dataSource.query("UPDATE certs SET ct_index = NULL WHERE id = 50");
    const dir = outputDir();
    const summary = summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 16, sleepMs: 0 }));
    expect(summary.rows).toBe(99);
    expect(summary.stoppedBy).toBe("drained");
    expect(summary.skippedIds).toEqual(["50"]);
    expect(summary.skipped).toEqual([
      expect.objectContaining({
        id: "50",
        reason: "inexact_ct_index",
        message: expect.stringContaining("Row id 50 "),
      }),
    ]);
    const kept = rows.filter((_, index) => index !== 49);
    expect(exactlyOnceViolation(kept, readOutput(dir), false)).toBeNull();
    const left = (await dataSource.query("SELECT id FROM certs")) as { id: unknown }[];
    expect(left.map((row) => String(row.id))).toEqual(["50"]);

    // A second run names it again and exports nothing twice.
    const again = summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 16, sleepMs: 0 }));
    expect(again).toMatchObject({ rows: 0, skippedIds: ["50"] });
    expect(exactlyOnceViolation(kept, readOutput(dir), false)).toBeNull();
  });
});

describe("a MariaDB value longer than max_allowed_packet", () => {
  let server: PrivateServer;
  let dataSource: DataSource;

  beforeAll(async () => {
    server = await startPrivateServer("mysql");
  });

  afterAll(async () => {
    await dataSource?.destroy().catch(() => undefined);
    await server.dispose();
  });

  it("is never written nor deleted: the row is kept and named by id, the rest is exported", async () => {
    const seeded = rows.slice(0, 40);
    const admin = await openCertsDataSource(server.url);
    await seedCertsTable(admin, seeded, { withIpAddress: false });
    // Row 20 gets an entry of 60 KB (a TEXT holds 64 KB); then the server's packet limit goes below it (above
    // every other row, about 6 KB).
    await admin.query("UPDATE certs SET ct_entry = CONCAT(ct_entry, REPEAT(' ', 54000)) WHERE id = 20");
    await admin.destroy();
    const root = await openCertsDataSource(server.url, 1);
    await root.query("SET GLOBAL max_allowed_packet = 16384");
    await root.destroy();

    // New connections take the new limit.
    dataSource = await openCertsDataSource(server.url);
    const [limit] = (await dataSource.query("SELECT @@max_allowed_packet AS n")) as { n: unknown }[];
    expect(Number(limit?.n)).toBe(16384);
    const dir = outputDir();
    const summary = summaryOf(await exportCerts(dataSource, { outputDir: dir, batchSize: 8, sleepMs: 0 }));
    expect(summary.rows).toBe(39);
    expect(summary.skipped).toEqual([
      expect.objectContaining({
        id: "20",
        reason: "unreadable_value",
        message: expect.stringContaining("ct_entry"),
      }),
    ]);
    expect(
      exactlyOnceViolation(
        seeded.filter((_, index) => index !== 19),
        readOutput(dir),
        false,
      ),
    ).toBeNull();
    expect(
      parsedEntries(dir).some((entry) => entry["ct_entry"] === null || entry["ct_entry"] === "null"),
    ).toBe(false);
    const left = (await dataSource.query("SELECT id, LENGTH(ct_entry) AS n FROM certs")) as {
      id: unknown;
      n: unknown;
    }[];
    expect(left.map((row) => String(row.id))).toEqual(["20"]);
    expect(Number(left[0]?.n)).toBeGreaterThan(54000);
  }, 120_000);
});
