import { parseConnectionUrl } from "@certs/db";
import type { Command } from "commander";
import { z } from "zod";
import { LOG_LEVELS } from "./logger.js";
import { oneOf, text } from "./setting-values.js";

/** Where the common flags come from; `resolveSettings` uses these when an app names no source of its own. */
export const COMMON_SOURCES = {
  db: { flag: "--db", env: "CERTS_DB_URL" },
  dataDir: { flag: "--data-dir", env: "CERTS_DATA_DIR" },
  json: { flag: "--json" },
  logLevel: { flag: "--log-level", env: "CERTS_LOG_LEVEL" },
  verbose: { flag: "--verbose" },
} as const;

/**
 * A database URL the app can open (`mysql://`, `mariadb://`, `postgres://`, `embedded:`), checked up front
 * so a bad one names its flag; `postgresOnly` for apps whose data lives in PostgreSQL.
 */
export function databaseUrl(options: { readonly postgresOnly?: boolean } = {}) {
  return text().superRefine((value, ctx) => {
    const spec = parseConnectionUrl(value);
    if (!spec.ok)
      ctx.addIssue({ code: "custom", message: `is not a usable database URL: ${spec.error.message}` });
    else if (options.postgresOnly === true && spec.value.kind === "mysql") {
      ctx.addIssue({ code: "custom", message: "must be a postgres:// URL: this data lives in PostgreSQL" });
    }
  });
}

/** `--db` and `--data-dir`: the database to work on, or where the embedded PostgreSQL keeps its data. */
export const DATABASE_SETTINGS = {
  db: databaseUrl().optional(),
  dataDir: text().optional(),
};

/** `--log-level` and `--verbose`, which every command has. */
export const LOGGING_SETTINGS = {
  logLevel: oneOf(LOG_LEVELS).default("info"),
  verbose: z.boolean().default(false),
};

/** `--json`: the result as one JSON line on stdout instead of text for people. */
export const JSON_SETTING = { json: z.boolean().default(false) };

/** The settings every command has: what {@link runJob} needs to log and report. */
export interface LoggingSettings {
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly verbose: boolean;
}

/** Adds `--db <url>` (described by `what`) and `--data-dir <dir>`. */
export function addDatabaseFlags(command: Command, what: string): Command {
  return command
    .option("--db <url>", `${what} (env ${COMMON_SOURCES.db.env}; default: the embedded PostgreSQL)`)
    .option(
      "--data-dir <dir>",
      `embedded PostgreSQL data directory (env ${COMMON_SOURCES.dataDir.env}; default ./.certs/postgres)`,
    );
}

/** Adds `--json` (when `json` says what it prints), `--log-level` and `--verbose`. */
export function addCommonFlags(command: Command, options: { readonly json?: string } = {}): Command {
  if (options.json !== undefined) command.option("--json", options.json);
  return command
    .addOption(
      command
        .createOption("--log-level <level>", `log level (env ${COMMON_SOURCES.logLevel.env}; default info)`)
        .choices(LOG_LEVELS),
    )
    .option("--verbose", "show stack traces of failures");
}

/** Only what the user typed: commander's defaults (e.g. `verify: true` for `--no-verify`) must not hide CERTS_* variables. */
export function givenFlags(command: Command): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(command.opts()).filter(([key]) => command.getOptionValueSource(key) === "cli"),
  );
}
