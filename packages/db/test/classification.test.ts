import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { ok, type AppError } from "@certs/result";
import { classifyDbError, databaseError } from "../src/db-error.js";
import { openDataSource } from "../src/data-source.js";
import { transaction } from "../src/transaction.js";
import { barrier, createTestServer, SERVER_KINDS, type TestServer } from "./test-server.js";

/** Runs `sql` and returns what it threw; fails the test if it did not throw. */
async function thrownBy(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the statement to fail");
}

describe.each(SERVER_KINDS)("driver errors provoked on a real %s server", (kind) => {
  let server: TestServer;
  let dataSource: DataSource;

  beforeAll(async () => {
    server = await createTestServer(kind);
    dataSource = await server.open({ poolSize: 6 });
    await dataSource.query("CREATE TABLE parent (id INT PRIMARY KEY)");
    await dataSource.query(
      "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NOT NULL, FOREIGN KEY (parent_id) REFERENCES parent (id))",
    );
    await dataSource.query("CREATE TABLE counter (id INT PRIMARY KEY, n INT NOT NULL)");
    await dataSource.query("INSERT INTO parent (id) VALUES (1)");
    await dataSource.query("INSERT INTO child (id, parent_id) VALUES (1, 1)");
    await dataSource.query("INSERT INTO counter (id, n) VALUES (1, 0), (2, 0)");
  });

  afterAll(async () => {
    await server.close();
  });

  it("a duplicate primary key is a unique violation, not retryable", async () => {
    const error = await thrownBy(() => dataSource.query("INSERT INTO parent (id) VALUES (1)"));
    expect(classifyDbError(error)).toMatchObject({ kind: "unique_violation", retryable: false });
  });

  it("a child row pointing at no parent is a foreign key violation, not retryable", async () => {
    const error = await thrownBy(() => dataSource.query("INSERT INTO child (id, parent_id) VALUES (2, 99)"));
    expect(classifyDbError(error)).toMatchObject({ kind: "foreign_key_violation", retryable: false });
  });

  it("deleting a parent that still has children is a foreign key violation", async () => {
    const error = await thrownBy(() => dataSource.query("DELETE FROM parent WHERE id = 1"));
    expect(classifyDbError(error)).toMatchObject({ kind: "foreign_key_violation", retryable: false });
  });

  it("two transactions locking two rows in opposite order: one is the deadlock victim, retryable", async () => {
    const bothLockedFirstRow = barrier(2);
    const crossUpdate = (first: number, second: number) =>
      transaction(dataSource, async (manager) => {
        await manager.query(`UPDATE counter SET n = n + 1 WHERE id = ${first}`);
        await bothLockedFirstRow();
        await manager.query(`UPDATE counter SET n = n + 1 WHERE id = ${second}`);
        return ok(first);
      });
    const outcomes = await Promise.all([crossUpdate(1, 2), crossUpdate(2, 1)]);
    const failures = outcomes
      .filter((outcome) => !outcome.ok)
      .map((outcome) => (outcome as { error: AppError }).error);
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.code).toBe("DATABASE_ERROR");
    expect(failures[0]?.details).toMatchObject({ kind: "deadlock", retryable: true });
    // The victim was rolled back and the winner committed: each row went up by exactly one.
    const rows: { n: number }[] = await dataSource.query("SELECT n FROM counter ORDER BY id");
    expect(rows.map((row) => Number(row.n))).toEqual([1, 1]);
  });

  it("waiting longer than the lock timeout for a row another transaction holds is a lock wait timeout, retryable", async () => {
    const holderHasLock = barrier(2);
    let releaseHolder: () => void = () => {};
    const holderMayFinish = new Promise<void>((resolve) => {
      releaseHolder = resolve;
    });
    const holder = transaction(dataSource, async (manager) => {
      await manager.query("UPDATE counter SET n = n + 10 WHERE id = 1");
      await holderHasLock();
      await holderMayFinish;
      return ok("held");
    });
    const waiter = transaction(dataSource, async (manager) => {
      await server.shortLockWait(manager);
      await holderHasLock();
      await manager.query("UPDATE counter SET n = n + 100 WHERE id = 1");
      return ok("got the lock");
    });
    const waited = await waiter;
    releaseHolder();
    expect(await holder).toMatchObject({ ok: true });
    expect(waited.ok).toBe(false);
    if (!waited.ok)
      expect(waited.error.details).toMatchObject({ kind: "lock_wait_timeout", retryable: true });
  });

  it("a connection killed from another session is a lost connection, retryable", async () => {
    const outcome = await transaction(dataSource, async (manager) => {
      const id = await server.sessionId(manager);
      await server.killSession(id);
      await manager.query("SELECT 1");
      return ok("still connected");
    });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok)
      expect(outcome.error.details).toMatchObject({ kind: "connection_lost", retryable: true });
    // The pool dropped the dead connection: the DataSource still works.
    expect(await dataSource.query("SELECT 1 AS one")).toHaveLength(1);
  });

  it("a statement on a connection the driver already saw closed is a lost connection, with the server's reason", async () => {
    const outcome = await transaction(dataSource, async (manager) => {
      const id = await server.sessionId(manager);
      const closed = server.closedByServer(manager);
      await server.killSession(id);
      await closed;
      await manager.query("SELECT 1");
      return ok("still connected");
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe("DATABASE_ERROR");
    expect(outcome.error.details).toMatchObject({ kind: "connection_lost", retryable: true });
    if (kind === "postgres") {
      // Reported with what the server said when it ended the session, not TypeORM's "already released".
      expect(outcome.error.details).toMatchObject({ driverCode: "57P01" });
      expect(outcome.error.message).toContain("terminating connection due to administrator command");
    }
    // The dead connection is never handed out again: each of several transactions in a row gets a live one.
    for (let round = 0; round < 3; round++) {
      const next = await transaction(dataSource, async (manager) =>
        ok(await manager.query("SELECT 1 AS one")),
      );
      expect(next).toMatchObject({ ok: true, value: [{ one: 1 }] });
    }
  });

  it("a wrong password is an authentication error whose message and JSON carry no password", async () => {
    const wrongPassword = "Wr0ng-Passw0rd-4-test";
    const result = await openDataSource({ ...server.spec, password: wrongPassword });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("DATABASE_ERROR");
    expect(result.error.details).toMatchObject({ kind: "authentication", retryable: false });
    expect(result.error.message).toContain(
      `could not connect to the ${server.spec.kind === "mysql" ? "mysql" : "postgres"} database`,
    );
    expect(result.error.message).toContain(server.spec.user);
    expect(classifyDbError(result.error.cause).kind).toBe("authentication");
    for (const secret of [wrongPassword, server.spec.password ?? "no password in test URL"]) {
      expect(result.error.message).not.toContain(secret);
      expect(JSON.stringify(result.error)).not.toContain(secret);
      expect(JSON.stringify(databaseError(result.error.cause))).not.toContain(secret);
    }
  });
});

describe("serialization failure provoked on a real postgres server", () => {
  let server: TestServer;
  let dataSource: DataSource;

  beforeAll(async () => {
    server = await createTestServer("postgres");
    dataSource = await server.open({ poolSize: 4 });
    await dataSource.query("CREATE TABLE duty (doctor TEXT PRIMARY KEY, on_call BOOLEAN NOT NULL)");
    await dataSource.query("INSERT INTO duty VALUES ('alice', true), ('bob', true)");
  });

  afterAll(async () => {
    await server.close();
  });

  it("two SERIALIZABLE transactions with a write skew: one fails with a serialization failure, retryable", async () => {
    const bothRead = barrier(2);
    const goOffCall = (doctor: string) =>
      transaction(
        dataSource,
        async (manager) => {
          const rows: { count: string }[] = await manager.query(
            "SELECT count(*) AS count FROM duty WHERE on_call",
          );
          await bothRead();
          if (Number(rows[0]?.count) >= 2) {
            await manager.query("UPDATE duty SET on_call = false WHERE doctor = $1", [doctor]);
          }
          return ok(doctor);
        },
        { isolation: "SERIALIZABLE" },
      );
    const outcomes = await Promise.all([goOffCall("alice"), goOffCall("bob")]);
    const failures = outcomes.filter((outcome) => !outcome.ok);
    expect(failures).toHaveLength(1);
    const failure = failures[0];
    if (failure !== undefined && !failure.ok) {
      expect(failure.error.details).toMatchObject({ kind: "serialization_failure", retryable: true });
    }
    const onCall: { doctor: string }[] = await dataSource.query("SELECT doctor FROM duty WHERE on_call");
    expect(onCall).toHaveLength(1);
  });
});
