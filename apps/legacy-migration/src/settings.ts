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

/** What a migration and its verification share: the databases, the mapping files and the selection. */
const SHARED = {
  ...DATABASE_SETTINGS,
  ...LOGGING_SETTINGS,
  ...JSON_SETTING,
  legacyDb: databaseUrl().optional(),
  mappings: text().default("mappings"),
  ecu: z.string().trim().min(1).optional(),
  ids: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, "must be a comma-separated list of legacy ids, e.g. 12,40,41")
    .transform((list) => list.split(",").map((id) => Number(id.trim())))
    .optional(),
  limit: wholeNumber({ min: 0 }).optional(),
  retryFailed: z.boolean().default(false),
  timeZone: text().default("Asia/Dubai"),
};

const schema = z.object({
  ...SHARED,
  demo: wholeNumber({ min: 1, max: 1_000_000 }).optional(),
  mode: oneOf(["auto", "interactive"]).optional(),
  workers: positiveWholeNumber(256).default(10),
  groupSize: positiveWholeNumber(10_000).default(50),
  dryRun: z.boolean().default(false),
  report: writableFilePath().default("certificate_migration_report.xlsx"),
  rejects: writableFilePath().optional(),
  maxRate: positiveWholeNumber(1_000_000).optional(),
});

const checked = schema.refine((settings) => settings.legacyDb !== undefined || settings.demo !== undefined, {
  message: "is required: the legacy database URL (mysql://...), unless --demo N generates one",
  path: ["legacyDb"],
});

/** The validated settings of `certs-legacy-migrate`. */
export type MigrateSettings = z.infer<typeof schema>;

const SHARED_SOURCES = {
  legacyDb: { flag: "--legacy-db", env: "CERTS_LEGACY_DB_URL" },
  mappings: { flag: "--mappings", env: "CERTS_MAPPINGS_DIR" },
  ecu: { flag: "--ecu" },
  ids: { flag: "--ids" },
  limit: { flag: "--limit" },
  retryFailed: { flag: "--retry-failed" },
  timeZone: { flag: "--time-zone", env: "CERTS_LEGACY_TIME_ZONE" },
} as const;

/** Flags, then CERTS_* environment variables, then defaults. */
export const migrateSettings = settingsReader(checked, {
  ...SHARED_SOURCES,
  demo: { flag: "--demo" },
  mode: { flag: "--mode", env: "CERTS_MIGRATION_MODE" },
  workers: { flag: "--workers", env: "CERTS_WORKERS" },
  groupSize: { flag: "--group-size", env: "CERTS_GROUP_SIZE" },
  dryRun: { flag: "--dry-run" },
  report: { flag: "--report", env: "CERTS_REPORT_PATH" },
  rejects: { flag: "--rejects", env: "CERTS_REJECTS_PATH" },
  maxRate: { flag: "--max-rate", env: "CERTS_MAX_RATE" },
});

const verifySchema = z
  .object({ ...SHARED, output: writableFilePath().optional() })
  .refine((settings) => settings.legacyDb !== undefined, {
    message: "is required: the legacy database URL (mysql://...)",
    path: ["legacyDb"],
  });

/** The validated settings of `certs-legacy-migrate verify`. */
export type VerifySettings = z.infer<typeof verifySchema>;

/** `verify`'s flags, then CERTS_* environment variables, then defaults. */
export const verifySettings = settingsReader(verifySchema, {
  ...SHARED_SOURCES,
  output: { flag: "--output", env: "CERTS_VERIFY_OUTPUT" },
});
