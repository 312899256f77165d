import { describe, expect, it } from "vitest";
import { legacyDateKindOfSqlType, legacyDateToUtc, sqlUtc, validateTimeZone } from "./legacy-date.js";

function utc(
  value: Parameters<typeof legacyDateToUtc>[0],
  kind: Parameters<typeof legacyDateToUtc>[1],
  zone?: string,
) {
  const result = legacyDateToUtc(value, kind, zone);
  if (!result.ok) throw new Error(result.error.message);
  return result.value === null ? null : result.value.toISOString();
}

describe("legacyDateToUtc", () => {
  it("an epoch integer is already an instant", () => {
    // 2024-03-01T08:00:00Z is 1709251200 (midnight) + 8 h.
    expect(utc(1709280000, "epoch")).toBe("2024-03-01T08:00:00.000Z");
    expect(utc("1709280000", "epoch")).toBe("2024-03-01T08:00:00.000Z");
  });

  it("a DATETIME value is Dubai local time, four hours ahead of UTC", () => {
    expect(utc("2024-03-01 12:00:00", "wallclock")).toBe("2024-03-01T08:00:00.000Z");
    expect(utc("2024-03-01 02:30:00", "wallclock")).toBe("2024-02-29T22:30:00.000Z");
  });

  it("the zone is configurable", () => {
    expect(utc("2024-03-01 12:00:00", "wallclock", "Asia/Kolkata")).toBe("2024-03-01T06:30:00.000Z");
    expect(utc("2024-07-01 12:00:00", "wallclock", "Europe/London")).toBe("2024-07-01T11:00:00.000Z");
  });

  it("a text column holds either epoch digits or a local date", () => {
    expect(utc("1709280000", "text")).toBe("2024-03-01T08:00:00.000Z");
    expect(utc("2024-03-01 12:00:00", "text")).toBe("2024-03-01T08:00:00.000Z");
    expect(utc("2024-03-01T12:00:00", "text")).toBe("2024-03-01T08:00:00.000Z");
  });

  it("NULL, empty, 0 and the zero date are absent, not 1970", () => {
    expect(utc(null, "epoch")).toBeNull();
    expect(utc(0, "epoch")).toBeNull();
    expect(utc("0", "text")).toBeNull();
    expect(utc("", "wallclock")).toBeNull();
    expect(utc("0000-00-00 00:00:00", "wallclock")).toBeNull();
  });

  it("a value that is not a date is a PARSE_ERROR naming it", () => {
    const result = legacyDateToUtc("yesterday", "wallclock");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("PARSE_ERROR");
      expect(result.error.message).toContain("'yesterday'");
    }
    expect(legacyDateToUtc("12ab", "epoch").ok).toBe(false);
  });
});

describe("date helpers", () => {
  it("sqlUtc agrees with the ISO text for instants across the four-digit years, and refuses an invalid date", () => {
    const dayMs = 86_400_000;
    for (let i = 0; i < 20_000; i += 1) {
      const instant = new Date(Math.floor(Math.random() * 366 * dayMs));
      instant.setUTCFullYear(i % 2 === 0 ? Math.floor(Math.random() * 10_000) : 1970 + (i % 80));
      expect(sqlUtc(instant)).toBe(instant.toISOString().slice(0, 19).replace("T", " "));
    }
    const early = new Date(Date.UTC(2000, 0, 2, 3, 4, 5));
    early.setUTCFullYear(5);
    expect(sqlUtc(early)).toBe("0005-01-02 03:04:05");
    expect(() => sqlUtc(new Date(Number.NaN))).toThrow(RangeError);
  });

  it("sqlUtc formats an instant as UTC wall-clock text", () => {
    expect(sqlUtc(new Date(Date.UTC(2024, 2, 1, 8, 0, 5)))).toBe("2024-03-01 08:00:05");
  });

  it("SQL types map to storage kinds", () => {
    expect(legacyDateKindOfSqlType("bigint")).toBe("epoch");
    expect(legacyDateKindOfSqlType("int")).toBe("epoch");
    expect(legacyDateKindOfSqlType("datetime")).toBe("wallclock");
    expect(legacyDateKindOfSqlType("TIMESTAMP")).toBe("wallclock");
    expect(legacyDateKindOfSqlType("varchar")).toBe("text");
  });

  it("PostgreSQL's type names map to the same kinds", () => {
    expect(legacyDateKindOfSqlType("integer")).toBe("epoch");
    expect(legacyDateKindOfSqlType("numeric")).toBe("epoch");
    expect(legacyDateKindOfSqlType("timestamp without time zone")).toBe("wallclock");
    expect(legacyDateKindOfSqlType("date")).toBe("wallclock");
    // An instant: the reader selects it as epoch seconds.
    expect(legacyDateKindOfSqlType("timestamp with time zone")).toBe("epoch");
    expect(legacyDateKindOfSqlType("character varying")).toBe("text");
    expect(legacyDateKindOfSqlType("interval")).toBe("text");
  });

  it("validateTimeZone rejects unknown zones", () => {
    expect(validateTimeZone("Asia/Dubai").ok).toBe(true);
    const bad = validateTimeZone("Mars/Olympus");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe("CONFIGURATION_ERROR");
  });
});
