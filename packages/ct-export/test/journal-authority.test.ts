import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCerts, reconcileJournal, type ExportSummary } from "../src/index.js";
import { generateCertRows, seedCertsTable, type CertRowData } from "../src/testing/index.js";
import { countRows, openCertsDataSource } from "./certs-database.js";
import { exactlyOnceViolation, readOutput } from "./pending-output.js";

let rows: CertRowData[];

beforeAll(async () => {
  rows = await generateCertRows({ seed: "journal-authority", count: 100, distinctEntries: 20 });
});

function outputDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "ct-authority-")), "upload_failure");
}

function summaryOf(result: {
  ok: boolean;
  value?: ExportSummary;
  error?: { message: string };
}): ExportSummary {
  if (!result.ok || result.value === undefined) throw new Error(result.error?.message ?? "export failed");
  return result.value;
}

describe.each(["mysql", "postgres"] as const)("the journal in the %s database decides", (kind) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const opened: DataSource[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    dataSource = await openCertsDataSource(db.url);
    // The journal table exists before the restricted users get their grants on it.
    await seedCertsTable(dataSource, [], { withIpAddress: false });
    const created = await reconcileJournal(dataSource, {
      outputDir: mkdtempSync(path.join(tmpdir(), "ct-j-")),
    });
    if (!created.ok) throw new Error(created.error.message);
  });

  afterAll(async () => {
    for (const source of opened) await source.destroy().catch(() => undefined);
    await dataSource.destroy();
    await db.drop();
  });

  /** A user with exactly these privileges on certs and on the journal table; returns a DataSource as that user. */
  async function restrictedUser(onCerts: string, onJournal: string): Promise<DataSource> {
    const name = `ct_${randomBytes(4).toString("hex")}`;
    const password = "pw-restricted";
    if (kind === "mysql") {
      await dataSource.query(`CREATE USER '${name}'@'%' IDENTIFIED BY '${password}'`);
      await dataSource.query(`GRANT ${onCerts} ON \`${db.name}\`.certs TO '${name}'@'%'`);
      await dataSource.query(`GRANT ${onJournal} ON \`${db.name}\`.ct_export_journal TO '${name}'@'%'`);
    } else {
      await dataSource.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
      await dataSource.query(`GRANT USAGE ON SCHEMA public TO ${name}`);
      await dataSource.query(`GRANT ${onCerts} ON certs TO ${name}`);
      await dataSource.query(`GRANT ${onJournal} ON ct_export_journal TO ${name}`);
    }
    const url = new URL(db.url);
    url.username = name;
    url.password = password;
    const source = await openCertsDataSource(url.toString());
    opened.push(source);
    return source;
  }

  it("a user without DELETE exports into A, then a normal user into B: no row is in both, and reconcile --output A settles them", async () => {
    await seedCertsTable(dataSource, rows, { withIpAddress: false });
    const noDelete = await restrictedUser("SELECT, INSERT, UPDATE", "SELECT, INSERT, UPDATE, DELETE");
    const dirA = outputDir();
    const first = summaryOf(await exportCerts(noDelete, { outputDir: dirA, batchSize: 32, sleepMs: 0 }));
    // Files published, every delete refused: the rows stay, each named.
    expect(first.rows).toBe(100);
    expect(first.skipped).toHaveLength(100);
    expect(first.skipped.every((row) => row.reason === "delete_failed")).toBe(true);
    expect(await countRows(dataSource)).toBe(100);
    expect(await countRows(dataSource, "ct_export_journal")).toBe(4);

    const dirB = outputDir();
    const second = summaryOf(await exportCerts(dataSource, { outputDir: dirB, batchSize: 32, sleepMs: 0 }));
    expect(second.rows).toBe(0);
    expect(second.skipped).toHaveLength(100);
    const ownerA = realpathSync(dirA);
    expect(second.skipped.every((row) => row.reason === "held_back" && row.owner?.directory === ownerA)).toBe(
      true,
    );
    expect(readOutput(dirB).entries).toEqual([]);
    expect(await countRows(dataSource)).toBe(100);

    // The owner's reconcile deletes what A published; nothing is exported twice.
    const settled = await reconcileJournal(dataSource, { outputDir: dirA });
    if (!settled.ok) throw new Error(settled.error.message);
    expect(settled.value).toMatchObject({ publishedBatches: 4, deletedRows: 100, discardedBatches: 0 });
    expect(exactlyOnceViolation(rows, readOutput(dirA), false)).toBeNull();
    expect(await countRows(dataSource)).toBe(0);
    expect(await countRows(dataSource, "ct_export_journal")).toBe(0);
  });

  it("a user who may not write the journal table is refused before anything is exported", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 10), { withIpAddress: false });
    const readOnlyJournal = await restrictedUser("SELECT, INSERT, UPDATE, DELETE", "SELECT");
    const dir = outputDir();
    const result = await exportCerts(readOnlyJournal, { outputDir: dir, batchSize: 32, sleepMs: 0 });
    expect(!result.ok && result.error.code).toBe("CONFIGURATION_ERROR");
    expect(!result.ok && result.error.message).toMatch(
      /may not write the export journal table ct_export_journal/,
    );
    expect(readOutput(dir).files).toEqual([]);
    expect(await countRows(dataSource)).toBe(10);
  });
});
