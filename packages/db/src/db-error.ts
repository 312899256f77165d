import { appError, ErrorCode, type AppError } from "@certs/result";
import { redactSecrets } from "./redact.js";

/** What went wrong in a database call, independent of the driver that reported it. */
export type DbErrorKind =
  | "connection_lost"
  | "authentication"
  | "deadlock"
  | "lock_wait_timeout"
  | "serialization_failure"
  | "unique_violation"
  | "foreign_key_violation"
  | "other";

/** The verdict on one database error: its kind and whether running the same work again may succeed. */
export interface DbErrorClassification {
  readonly kind: DbErrorKind;
  readonly retryable: boolean;
  /** The driver's own code (`ER_LOCK_DEADLOCK`, `40P01`, `ECONNRESET`, ...), when it gave one. */
  readonly driverCode?: string;
}

/** Transient conflicts and lost connections clear up on a retry; bad data and bad credentials do not. */
const RETRYABLE: Readonly<Record<DbErrorKind, boolean>> = {
  connection_lost: true,
  authentication: false,
  deadlock: true,
  lock_wait_timeout: true,
  serialization_failure: true,
  unique_violation: false,
  foreign_key_violation: false,
  other: false,
};

/** MySQL/MariaDB server error numbers (mysql2 `errno`). */
const MYSQL_ERRNO: ReadonlyMap<number, DbErrorKind> = new Map<number, DbErrorKind>([
  [1213, "deadlock"], // ER_LOCK_DEADLOCK
  [1205, "lock_wait_timeout"], // ER_LOCK_WAIT_TIMEOUT
  [1020, "serialization_failure"], // ER_CHECKREAD: MariaDB snapshot isolation, "Record has changed since last read"
  [1062, "unique_violation"], // ER_DUP_ENTRY
  [1586, "unique_violation"], // ER_DUP_ENTRY_WITH_KEY_NAME
  [1451, "foreign_key_violation"], // ER_ROW_IS_REFERENCED_2
  [1452, "foreign_key_violation"], // ER_NO_REFERENCED_ROW_2
  [1216, "foreign_key_violation"], // ER_NO_REFERENCED_ROW
  [1217, "foreign_key_violation"], // ER_ROW_IS_REFERENCED
  [1045, "authentication"], // ER_ACCESS_DENIED_ERROR
  [1698, "authentication"], // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  [1927, "connection_lost"], // ER_CONNECTION_KILLED (MariaDB)
  [1053, "connection_lost"], // ER_SERVER_SHUTDOWN
  [4031, "connection_lost"], // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
  [2006, "connection_lost"], // CR_SERVER_GONE_ERROR
  [2013, "connection_lost"], // CR_SERVER_LOST
]);

/** Symbolic codes from mysql2 and from Node's sockets (used by both drivers). */
const NAMED_CODES: ReadonlyMap<string, DbErrorKind> = new Map<string, DbErrorKind>([
  ["ER_LOCK_DEADLOCK", "deadlock"],
  ["ER_LOCK_WAIT_TIMEOUT", "lock_wait_timeout"],
  ["ER_CHECKREAD", "serialization_failure"],
  ["ER_DUP_ENTRY", "unique_violation"],
  ["ER_DUP_ENTRY_WITH_KEY_NAME", "unique_violation"],
  ["ER_ROW_IS_REFERENCED_2", "foreign_key_violation"],
  ["ER_NO_REFERENCED_ROW_2", "foreign_key_violation"],
  ["ER_ROW_IS_REFERENCED", "foreign_key_violation"],
  ["ER_NO_REFERENCED_ROW", "foreign_key_violation"],
  ["ER_ACCESS_DENIED_ERROR", "authentication"],
  ["ER_ACCESS_DENIED_NO_PASSWORD_ERROR", "authentication"],
  ["ER_CONNECTION_KILLED", "connection_lost"],
  ["ER_SERVER_SHUTDOWN", "connection_lost"],
  ["PROTOCOL_CONNECTION_LOST", "connection_lost"],
  ["PROTOCOL_SEQUENCE_TIMEOUT", "connection_lost"],
  ["ECONNRESET", "connection_lost"],
  ["ECONNREFUSED", "connection_lost"],
  ["ECONNABORTED", "connection_lost"],
  ["EPIPE", "connection_lost"],
  ["ETIMEDOUT", "connection_lost"],
  ["EHOSTUNREACH", "connection_lost"],
  ["ENETUNREACH", "connection_lost"],
  ["ENETDOWN", "connection_lost"],
]);

/** PostgreSQL SQLSTATE codes (pg `code`). */
const POSTGRES_SQLSTATE: ReadonlyMap<string, DbErrorKind> = new Map<string, DbErrorKind>([
  ["40P01", "deadlock"], // deadlock_detected
  ["40001", "serialization_failure"], // serialization_failure
  ["55P03", "lock_wait_timeout"], // lock_not_available: lock_timeout or NOWAIT
  ["23505", "unique_violation"],
  ["23503", "foreign_key_violation"],
  ["28P01", "authentication"], // invalid_password
  ["28000", "authentication"], // invalid_authorization_specification
  ["57P01", "connection_lost"], // admin_shutdown: pg_terminate_backend, server stop
  ["57P02", "connection_lost"], // crash_shutdown
  ["57P03", "connection_lost"], // cannot_connect_now: starting up or shutting down
  ["57P05", "connection_lost"], // idle_session_timeout: the server ended an idle session
  ["25P03", "connection_lost"], // idle_in_transaction_session_timeout: the server ended the session
]);

// Errors raised by the client library itself, with no code, when its socket is gone.
const CONNECTION_LOST_MESSAGES = [
  /connection terminated/i,
  /connection is in closed state/i,
  /connection is closed/i,
  /client has encountered a connection error/i,
  /client was closed and is not queryable/i,
  /connection lost/i,
  /server has gone away/i,
];

interface DriverErrorFields {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly message?: unknown;
  readonly driverError?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly details?: unknown;
}

/**
 * Classifies an error thrown by mysql2, pg or TypeORM (its QueryFailedError is unwrapped to the driver
 * error inside), or an AppError made by {@link databaseError}. Anything unrecognised is `other`, not
 * retryable. See the README for the full table of codes.
 */
export function classifyDbError(error: unknown): DbErrorClassification {
  return classifyAt(error, 0) ?? { kind: "other", retryable: false };
}

function classifyAt(error: unknown, depth: number): DbErrorClassification | undefined {
  if (typeof error !== "object" || error === null || depth > 5) return undefined;
  const fields = error as DriverErrorFields;
  const fromAppError = classificationInDetails(fields.details);
  if (fromAppError !== undefined) return fromAppError;

  const code = typeof fields.code === "string" ? fields.code : undefined;
  if (typeof fields.errno === "number") {
    const kind = MYSQL_ERRNO.get(fields.errno);
    if (kind !== undefined) return classification(kind, code ?? String(fields.errno));
  }
  if (code !== undefined) {
    const kind = NAMED_CODES.get(code) ?? postgresKind(code);
    if (kind !== undefined) return classification(kind, code);
  }
  // A wrapper (TypeORM's QueryFailedError, an AppError, an AggregateError of connect attempts) says
  // less than what it wraps, so look inside before falling back to the message.
  for (const inner of [
    fields.driverError,
    fields.cause,
    ...(Array.isArray(fields.errors) ? fields.errors : []),
  ]) {
    const found = classifyAt(inner, depth + 1);
    if (found !== undefined) return found;
  }
  const message = typeof fields.message === "string" ? fields.message : "";
  if (CONNECTION_LOST_MESSAGES.some((pattern) => pattern.test(message))) {
    return classification("connection_lost", code);
  }
  return undefined;
}

function postgresKind(code: string): DbErrorKind | undefined {
  if (!/^[0-9A-Z]{5}$/.test(code)) return undefined;
  const known = POSTGRES_SQLSTATE.get(code);
  if (known !== undefined) return known;
  // Class 08: connection_exception and all its subclasses.
  if (code.startsWith("08")) return "connection_lost";
  return undefined;
}

function classificationInDetails(details: unknown): DbErrorClassification | undefined {
  if (typeof details !== "object" || details === null) return undefined;
  const { kind, retryable, driverCode } = details as {
    kind?: unknown;
    retryable?: unknown;
    driverCode?: unknown;
  };
  if (typeof kind !== "string" || !(kind in RETRYABLE) || typeof retryable !== "boolean") return undefined;
  return {
    kind: kind as DbErrorKind,
    retryable,
    ...(typeof driverCode === "string" ? { driverCode } : {}),
  };
}

function classification(kind: DbErrorKind, driverCode: string | undefined): DbErrorClassification {
  return driverCode === undefined
    ? { kind, retryable: RETRYABLE[kind] }
    : { kind, retryable: RETRYABLE[kind], driverCode };
}

const KIND_MESSAGES: Readonly<Record<DbErrorKind, string>> = {
  connection_lost: "the database connection was lost",
  authentication: "the database server rejected the user name or password",
  deadlock: "the database aborted the transaction to break a deadlock",
  lock_wait_timeout: "a database lock was not granted in time",
  serialization_failure:
    "the database aborted the transaction because a concurrent one changed the same data",
  unique_violation: "a row with the same unique key already exists",
  foreign_key_violation: "the change would break a reference between tables",
  other: "the database reported an error",
};

/**
 * Wraps a database failure as an AppError: code DATABASE_ERROR, `details` `{ kind, retryable, driverCode? }`,
 * `cause` the original error, and a message of `message` (or one describing the kind) followed by the
 * driver's own words, with any password in them masked. `secrets` are extra literals to mask.
 */
export function databaseError(error: unknown, message?: string, secrets: readonly string[] = []): AppError {
  const verdict = classifyDbError(error);
  const driverMessage = redactSecrets(innermostMessage(error), secrets).trim();
  const lead = message ?? KIND_MESSAGES[verdict.kind];
  const text = driverMessage === "" || lead.includes(driverMessage) ? lead : `${lead}: ${driverMessage}`;
  return appError(ErrorCode.DATABASE_ERROR, text, {
    cause: error,
    details: {
      kind: verdict.kind,
      retryable: verdict.retryable,
      ...(verdict.driverCode === undefined ? {} : { driverCode: verdict.driverCode }),
    },
  });
}

/** True for a value that looks like it came from a database driver (or TypeORM) rather than from program code. */
export function isDriverError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const fields = error as DriverErrorFields & { sqlState?: unknown; severity?: unknown; name?: unknown };
  return (
    classifyAt(error, 0) !== undefined ||
    typeof fields.sqlState === "string" ||
    typeof fields.severity === "string" ||
    fields.driverError !== undefined ||
    (typeof fields.code === "string" && /^(ER_|PROTOCOL_|E[A-Z]+$)/.test(fields.code)) ||
    (typeof fields.name === "string" && /TypeORM|QueryFailed|EntityNotFound|CannotConnect/.test(fields.name))
  );
}

function innermostMessage(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const fields = error as DriverErrorFields;
    if (typeof fields.message === "string" && fields.message !== "") return fields.message;
    if (fields.driverError !== undefined) return innermostMessage(fields.driverError);
    if (Array.isArray(fields.errors) && fields.errors.length > 0) return innermostMessage(fields.errors[0]);
    return "";
  }
  return error === undefined ? "" : String(error);
}
