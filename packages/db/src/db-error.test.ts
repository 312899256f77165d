import { appError } from "@certs/result";
import { QueryFailedError } from "typeorm";
import { describe, expect, it } from "vitest";
import { classifyDbError, databaseError, isDriverError } from "./db-error.js";

// The integration tests provoke every kind on real servers; these cover the wrapping that surrounds them.

function mysqlError(errno: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { errno, code, sqlState: "HY000" });
}

describe("classifyDbError", () => {
  it("unwraps TypeORM's QueryFailedError to the driver error inside", () => {
    const driver = mysqlError(1213, "ER_LOCK_DEADLOCK", "Deadlock found when trying to get lock");
    const wrapped = new QueryFailedError("UPDATE t SET x = 1", [], driver);
    expect(classifyDbError(wrapped)).toEqual({
      kind: "deadlock",
      retryable: true,
      driverCode: "ER_LOCK_DEADLOCK",
    });
  });

  it("prefers MySQL's error number over its SQLSTATE, which reports a deadlock as 40001", () => {
    const deadlock = Object.assign(new Error("Deadlock found"), {
      errno: 1213,
      code: "ER_LOCK_DEADLOCK",
      sqlState: "40001",
    });
    expect(classifyDbError(deadlock).kind).toBe("deadlock");
  });

  it("classifies any PostgreSQL connection_exception (class 08) as a lost connection", () => {
    const error = Object.assign(new Error("connection failure"), { code: "08006", severity: "FATAL" });
    expect(classifyDbError(error)).toEqual({ kind: "connection_lost", retryable: true, driverCode: "08006" });
  });

  it("classifies pg's own errors for a dead connection, which carry no SQLSTATE, as a lost connection", () => {
    for (const message of [
      "Connection terminated unexpectedly",
      "Client has encountered a connection error and is not queryable",
      "Client was closed and is not queryable",
    ]) {
      expect(classifyDbError(new Error(message))).toEqual({ kind: "connection_lost", retryable: true });
      const wrapped = new QueryFailedError("ROLLBACK", [], new Error(message));
      expect(classifyDbError(wrapped)).toEqual({ kind: "connection_lost", retryable: true });
      expect(isDriverError(wrapped)).toBe(true);
    }
  });

  it("classifies the server ending an idle session (57P05, 25P03) as a lost connection", () => {
    for (const code of ["57P05", "25P03"]) {
      const error = Object.assign(new Error("terminating connection due to idle timeout"), {
        code,
        severity: "FATAL",
      });
      expect(classifyDbError(error)).toEqual({ kind: "connection_lost", retryable: true, driverCode: code });
    }
  });

  it("looks inside an AggregateError of connection attempts", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(classifyDbError(new AggregateError([refused], "")).kind).toBe("connection_lost");
  });

  it("reads back the verdict stored in an AppError made by databaseError, and follows causes", () => {
    const made = databaseError(Object.assign(new Error("x"), { code: "40001" }));
    expect(classifyDbError(made)).toEqual({
      kind: "serialization_failure",
      retryable: true,
      driverCode: "40001",
    });
    const domain = appError("MAPPING_ERROR", "could not save", { cause: made });
    expect(classifyDbError(domain).retryable).toBe(true);
  });

  it("calls anything unrecognised 'other', not retryable", () => {
    expect(classifyDbError(new Error("syntax error"))).toEqual({ kind: "other", retryable: false });
    expect(classifyDbError("a string")).toEqual({ kind: "other", retryable: false });
    expect(classifyDbError(null)).toEqual({ kind: "other", retryable: false });
  });
});

describe("databaseError", () => {
  it("builds a DATABASE_ERROR with the kind in details, the driver's words in the message and the cause kept", () => {
    const driver = Object.assign(new Error('duplicate key value violates unique constraint "t_pkey"'), {
      code: "23505",
      severity: "ERROR",
    });
    const error = databaseError(driver, "could not save the certificate");
    expect(error.code).toBe("DATABASE_ERROR");
    expect(error.message).toBe(
      'could not save the certificate: duplicate key value violates unique constraint "t_pkey"',
    );
    expect(error.details).toEqual({ kind: "unique_violation", retryable: false, driverCode: "23505" });
    expect(error.cause).toBe(driver);
  });

  it("masks passwords in the driver's message", () => {
    const error = databaseError(new Error("cannot reach mysql://root:Sup3rS3cret@db/x"), undefined, [
      "Sup3rS3cret",
    ]);
    expect(error.message).not.toContain("Sup3rS3cret");
  });
});

describe("isDriverError", () => {
  it("tells driver errors from programming errors", () => {
    expect(isDriverError(Object.assign(new Error("x"), { code: "42P01", severity: "ERROR" }))).toBe(true);
    expect(isDriverError(new QueryFailedError("SELECT", [], new Error("syntax")))).toBe(true);
    expect(isDriverError(new TypeError("undefined is not a function"))).toBe(false);
  });
});
