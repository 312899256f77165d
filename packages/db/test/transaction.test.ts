import { appError, err, ok } from "@certs/result";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { transaction } from "../src/transaction.js";
import { createTestServer, SERVER_KINDS, type TestServer } from "./test-server.js";

describe.each(SERVER_KINDS)("transaction on a real %s server", (kind) => {
  let server: TestServer;
  let dataSource: DataSource;

  async function names(): Promise<string[]> {
    const rows: { name: string }[] = await dataSource.query("SELECT name FROM item ORDER BY name");
    return rows.map((row) => row.name);
  }

  beforeAll(async () => {
    server = await createTestServer(kind);
    dataSource = await server.open({ poolSize: 3 });
    await dataSource.query("CREATE TABLE item (name VARCHAR(50) PRIMARY KEY)");
  });

  beforeEach(async () => {
    await dataSource.query("DELETE FROM item");
  });

  afterAll(async () => {
    await server.close();
  });

  it("commits every row when the work returns ok, and returns its value", async () => {
    const result = await transaction(dataSource, async (manager) => {
      await manager.query("INSERT INTO item (name) VALUES ('a')");
      await manager.query("INSERT INTO item (name) VALUES ('b')");
      return ok(2);
    });
    expect(result).toEqual(ok(2));
    expect(await names()).toEqual(["a", "b"]);
  });

  it("rolls back every row when the work returns err, and returns that error unchanged", async () => {
    const refusal = appError("VALIDATION_ERROR", "the batch has a bad row");
    const result = await transaction(dataSource, async (manager) => {
      await manager.query("INSERT INTO item (name) VALUES ('a')");
      return err(refusal);
    });
    expect(result).toEqual(err(refusal));
    expect(await names()).toEqual([]);
  });

  it("rolls back when the work throws, returning an UNEXPECTED_ERROR that keeps the thrown value", async () => {
    const thrown = new RangeError("index out of range");
    const result = await transaction(dataSource, async (manager) => {
      await manager.query("INSERT INTO item (name) VALUES ('a')");
      throw thrown;
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("UNEXPECTED_ERROR");
      expect(result.error.cause).toBe(thrown);
    }
    expect(await names()).toEqual([]);
  });

  it("rolls back when a statement fails, returning a classified DATABASE_ERROR", async () => {
    await dataSource.query("INSERT INTO item (name) VALUES ('taken')");
    const result = await transaction(dataSource, async (manager) => {
      await manager.query("INSERT INTO item (name) VALUES ('new')");
      await manager.query("INSERT INTO item (name) VALUES ('taken')");
      return ok("unreachable");
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("DATABASE_ERROR");
      expect(result.error.details).toMatchObject({ kind: "unique_violation", retryable: false });
    }
    expect(await names()).toEqual(["taken"]);
  });

  it("in a dry run, returns the work's value and keeps none of its rows", async () => {
    const result = await transaction(
      dataSource,
      async (manager, queryRunner) => {
        await manager.query("INSERT INTO item (name) VALUES ('dry')");
        expect(queryRunner.isTransactionActive).toBe(true);
        return ok("rehearsed");
      },
      { dryRun: true },
    );
    expect(result).toEqual(ok("rehearsed"));
    expect(await names()).toEqual([]);
  });

  it("accepts synchronous work and an isolation level", async () => {
    const result = await transaction(dataSource, () => ok("nothing to do"), { isolation: "SERIALIZABLE" });
    expect(result).toEqual(ok("nothing to do"));
  });

  it("gives each transaction back to the pool, so many in a row do not exhaust it", async () => {
    for (let index = 0; index < 10; index += 1) {
      const result = await transaction(dataSource, async (manager) => {
        await manager.query(`INSERT INTO item (name) VALUES ('row${index}')`);
        return index % 2 === 0 ? ok(index) : err(appError("VALIDATION_ERROR", "odd"));
      });
      expect(result.ok).toBe(index % 2 === 0);
    }
    expect(await names()).toEqual(["row0", "row2", "row4", "row6", "row8"]);
  });

  it("returns a DATABASE_ERROR instead of rejecting when the DataSource is closed", async () => {
    const closed = await server.open({ poolSize: 1 });
    await closed.destroy();
    const result = await transaction(closed, () => ok("never"));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("DATABASE_ERROR");
  });
});
