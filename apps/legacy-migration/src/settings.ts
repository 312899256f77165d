import {
  DATABASE_SETTINGS,
  databaseUrl,
  JSON_SETTING,
  LOGGING_SETTINGS,
  oneOf,
  positiveWholeNumber,
  settingsReader,
  text,
  wholeNumber,
  writableFilePath,
} from "@certs/app-kit";
import { z } from "zod";

const schema = z.object({
  ...DATABASE_SETTINGS,
  ...LOGGING_SETTINGS,
  ...JSON_SETTING,
  legacyDb: databaseUrl().optional(),
  demo: wholeNumber({ min: 1, max: 1_000_000 }).optional(),
  mappings: text().default("mappings"),
  mode: oneOf(["auto", "interactive"]).optional(),
  workers: positiveWholeNumber(256).default(10),
  groupSize: positiveWholeNumber(10_000).default(50),
  ecu: z.string().trim().min(1).optional(),
  ids: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, "must be a comma-separated list of legacy ids, e.g. 12,40,41")
    .transform((list) => list.split(",").map((id) => Number(id.trim())))
    .optional(),
  limit: wholeNumber({ min: 0 }).optional(),
  retryFailed: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  report: writableFilePath().default("certificate_migration_report.xlsx"),
  timeZone: text().default("Asia/Dubai"),
});

const checked = schema.refine((settings) => settings.legacyDb !== undefined || settings.demo !== undefined, {
  message: "is required: the legacy database URL (mysql://...), unless --demo N generates one",
  path: ["legacyDb"],
});

/** The validated settings of `certs-legacy-migrate`. */
export type MigrateSettings = z.infer<typeof schema>;

/** Flags, then CERTS_* environment variables, then defaults. */
export const migrateSettings = settingsReader(checked, {
  legacyDb: { flag: "--legacy-db", env: "CERTS_LEGACY_DB_URL" },
  demo: { flag: "--demo" },
  mappings: { flag: "--mappings", env: "CERTS_MAPPINGS_DIR" },
  mode: { flag: "--mode", env: "CERTS_MIGRATION_MODE" },
  workers: { flag: "--workers", env: "CERTS_WORKERS" },
  groupSize: { flag: "--group-size", env: "CERTS_GROUP_SIZE" },
  ecu: { flag: "--ecu" },
  ids: { flag: "--ids" },
  limit: { flag: "--limit" },
  retryFailed: { flag: "--retry-failed" },
  dryRun: { flag: "--dry-run" },
  report: { flag: "--report", env: "CERTS_REPORT_PATH" },
  timeZone: { flag: "--time-zone", env: "CERTS_LEGACY_TIME_ZONE" },
});
