import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCerts } from "../src/index.js";
import { generateCertRows, seedCertsTable, type CertRowData } from "../src/testing/index.js";
import { countRows, openCertsDataSource } from "./certs-database.js";
import { exactlyOnceViolation, readOutput } from "./pending-output.js";

let rows: CertRowData[];

beforeAll(async () => {
  rows = await generateCertRows({ seed: "operator-messages", count: 100, distinctEntries: 10 });
});

/** A real read-only file system (a tmpfs mounted read-only; tests run as root), with one directory in it. */
function readOnlyFileSystem(): { root: string; unmount: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), "ct-rofs-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", root]);
  mkdirSync(path.join(root, "existing"));
  execFileSync("mount", ["-o", "remount,ro", root]);
  return { root, unmount: () => execFileSync("umount", [root]) };
}

describe.each(["mysql", "postgres"] as const)("what the operator is told, on %s", (kind) => {
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

  it("a read-only file system is reported as such, not as a missing directory; the rows stay", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 10), { withIpAddress: false });
    const fs = readOnlyFileSystem();
    try {
      for (const dir of [path.join(fs.root, "pending", "upload_failure"), path.join(fs.root, "existing")]) {
        const result = await exportCerts(dataSource, { outputDir: dir, sleepMs: 0 });
        expect(!result.ok && result.error.code).toBe("FILE_ERROR");
        expect(!result.ok && result.error.message).toMatch(/the file system is read-only \(EROFS\)/);
        expect(!result.ok && result.error.message).not.toMatch(/ENOENT|no such/);
      }
    } finally {
      fs.unmount();
    }
    expect(await countRows(dataSource)).toBe(10);
  });

  it("a table the user may not read is reported as a privilege problem, not as a missing table", async () => {
    await seedCertsTable(dataSource, rows.slice(0, 10), { withIpAddress: false });
    const name = `ct_${randomBytes(4).toString("hex")}`;
    if (kind === "mysql") {
      await dataSource.query(`CREATE USER '${name}'@'%' IDENTIFIED BY 'pw'`);
      await dataSource.query(`GRANT CREATE ON \`${db.name}\`.* TO '${name}'@'%'`);
    } else {
      await dataSource.query(`CREATE ROLE ${name} LOGIN PASSWORD 'pw'`);
    }
    const url = new URL(db.url);
    url.username = name;
    url.password = "pw";
    const denied = await openCertsDataSource(url.toString());
    try {
      const result = await exportCerts(denied, { outputDir: mkdtempSync(path.join(tmpdir(), "ct-denied-")) });
      expect(!result.ok && result.error.code).toBe("CONFIGURATION_ERROR");
      expect(!result.ok && result.error.message).toMatch(/^The database user may not read the table certs/);
      const missing = await exportCerts(dataSource, {
        outputDir: mkdtempSync(path.join(tmpdir(), "ct-missing-")),
        table: "no_such_table",
      });
      expect(!missing.ok && missing.error.message).toBe(
        "The table no_such_table does not exist in this database.",
      );
    } finally {
      await denied.destroy();
    }
    expect(await countRows(dataSource)).toBe(10);
  });

  it("maxRowsPerSecond caps the rate; every row is still exported once", async () => {
    await seedCertsTable(dataSource, rows, { withIpAddress: false });
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "ct-rate-")), "upload_failure");
    const started = performance.now();
    const result = await exportCerts(dataSource, {
      outputDir: dir,
      batchSize: 10,
      sleepMs: 0,
      maxRowsPerSecond: 200,
    });
    const elapsed = performance.now() - started;
    if (!result.ok) throw new Error(result.error.message);
    // 100 rows at 200 rows/s: the last batch may start after 90 rows, at 0.45 s at the earliest.
    expect(elapsed).toBeGreaterThanOrEqual(440);
    expect(result.value.rows).toBe(100);
    expect(exactlyOnceViolation(rows, readOutput(dir), false)).toBeNull();
    expect(await countRows(dataSource)).toBe(0);
  });
});
