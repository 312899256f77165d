import type { DataSource } from "typeorm";
import { describe, expect, it } from "vitest";
import { placeholders, quoteIdentifier, sqlDialect } from "./sql-dialect.js";

const withType = (type: string) => ({ options: { type } }) as unknown as Pick<DataSource, "options">;

describe("sqlDialect", () => {
  it("speaks one dialect for MySQL and MariaDB, another for PostgreSQL", () => {
    expect(sqlDialect(withType("mysql"))).toEqual({ ok: true, value: "mysql" });
    expect(sqlDialect(withType("mariadb"))).toEqual({ ok: true, value: "mysql" });
    expect(sqlDialect(withType("postgres"))).toEqual({ ok: true, value: "postgres" });
  });

  it("refuses any other driver with a CONFIGURATION_ERROR naming it", () => {
    const result = sqlDialect(withType("sqlite"));
    expect(!result.ok && result.error.code).toBe("CONFIGURATION_ERROR");
    expect(!result.ok && result.error.message).toContain("'sqlite' is not supported");
  });

  it("writes placeholders and quoted identifiers in each dialect", () => {
    expect(placeholders("mysql", 2)).toBe("?, ?");
    expect(placeholders("postgres", 2, 2)).toBe("$3, $4");
    expect(quoteIdentifier("mysql", "lo`ck")).toBe("`lo``ck`");
    expect(quoteIdentifier("postgres", 'lo"ck')).toBe('"lo""ck"');
  });
});
