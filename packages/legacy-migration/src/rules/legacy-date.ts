import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { DateTime, IANAZone } from "luxon";

/**
 * How a legacy date column stores its values, detected from its SQL type:
 * - `epoch`: an integer column of Unix seconds, already an instant;
 * - `wallclock`: DATETIME (or DATE, TIMESTAMP; `timestamp` on PostgreSQL), a local time in the legacy zone;
 * - `text`: a character column, read per value (all digits = epoch seconds, anything else = local time).
 */
export type LegacyDateKind = "epoch" | "wallclock" | "text";

/** The zone legacy wall-clock values are in unless configured otherwise (UTC+4, no daylight saving). */
export const DEFAULT_LEGACY_TIME_ZONE = "Asia/Dubai";

/** Checks that `zone` is an IANA zone name luxon knows; anything else is a CONFIGURATION_ERROR. */
export function validateTimeZone(zone: string): Result<string> {
  return IANAZone.isValidZone(zone)
    ? ok(zone)
    : err(appError(ErrorCode.CONFIGURATION_ERROR, `The time zone '${zone}' is not a valid IANA zone name.`));
}

/**
 * SQL type names (information_schema DATA_TYPE of MySQL/MariaDB or PostgreSQL) → how the column stores a
 * date: `int`, `bigint`, `integer`, `numeric`, … are epoch seconds, and so is PostgreSQL's `timestamp with
 * time zone` (an instant, read as epoch seconds); `datetime`, `date`, `timestamp` and PostgreSQL's `timestamp
 * without time zone` are wall-clock; the rest (`varchar`, `character varying`, `text`, …) is text.
 */
export function legacyDateKindOfSqlType(dataType: string): LegacyDateKind {
  const type = dataType.trim().toLowerCase();
  // Before the integer test: PostgreSQL's `interval` contains "int" but is no date storage at all.
  if (type === "interval") return "text";
  // An instant already; the reader selects it as epoch seconds, so no session zone shifts it.
  if (type === "timestamp with time zone") return "epoch";
  if (type === "datetime" || type === "date" || type.startsWith("timestamp")) return "wallclock";
  if (/int|decimal|numeric/.test(type)) return "epoch";
  return "text";
}

function isZeroDate(text: string): boolean {
  return /^0000-00-00/.test(text);
}

/**
 * Converts one legacy date value to the instant it denotes (a `Date`), or `null` when the value is absent
 * (NULL, empty, `0`, `0000-00-00 ...`). Epoch values are seconds since 1970 UTC; wall-clock values are read in
 * `zone` with luxon, never in the machine's zone. A value that is neither is a PARSE_ERROR.
 */
export function legacyDateToUtc(
  value: string | number | null | undefined,
  kind: LegacyDateKind,
  zone: string = DEFAULT_LEGACY_TIME_ZONE,
): Result<Date | null> {
  if (value === null || value === undefined) return ok(null);
  const text = String(value).trim();
  if (text === "" || isZeroDate(text)) return ok(null);
  const asEpoch = kind === "epoch" || (kind === "text" && /^-?[0-9]+$/.test(text));
  if (asEpoch) {
    if (!/^-?[0-9]+$/.test(text)) return err(notADate(text));
    const seconds = Number(text);
    return seconds === 0 ? ok(null) : ok(new Date(seconds * 1000));
  }
  let local = DateTime.fromSQL(text, { zone });
  // Text columns may hold ISO-8601 ("2024-03-01T12:00:00"); an explicit offset in it is respected.
  if (!local.isValid) local = DateTime.fromISO(text, { zone });
  if (!local.isValid) return err(notADate(text));
  return ok(local.toJSDate());
}

function notADate(text: string): ReturnType<typeof appError> {
  return appError(ErrorCode.PARSE_ERROR, `'${text}' is neither epoch seconds nor a date and time.`);
}

/** An instant as the `YYYY-MM-DD HH:MM:SS` UTC text written to destination DATETIME columns. */
export function sqlUtc(instant: Date): string {
  const year = instant.getUTCFullYear();
  // Outside four-digit years (and for an invalid Date, which throws) the ISO text is the reference.
  if (!(year >= 0 && year <= 9999)) return instant.toISOString().slice(0, 19).replace("T", " ");
  // Called for every date of every certificate written or verified: cheaper than building the ISO text.
  return (
    `${String(year).padStart(4, "0")}-${two(instant.getUTCMonth() + 1)}-${two(instant.getUTCDate())} ` +
    `${two(instant.getUTCHours())}:${two(instant.getUTCMinutes())}:${two(instant.getUTCSeconds())}`
  );
}

function two(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
