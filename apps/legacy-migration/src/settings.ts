import { LOG_LEVELS, resolveSettings } from "@certs/app-kit";
import type { Result } from "@certs/result";
import { z } from "zod";

const positiveInt = z.coerce.number().int("must be a whole number").positive("must be at least 1");

const schema = z.object({
  legacyDb: z.string().min(1).optional(),
  demo: z.coerce
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(1_000_000)
    .optional(),
  db: z.string().min(1).optional(),
  dataDir: z.string().min(1).optional(),
  mappings: z.string().min(1).default("mappings"),
  mode: z.enum(["auto", "interactive"]).optional(),
  workers: positiveInt.max(256, "must be at most 256").default(10),
  groupSize: positiveInt.max(10_000, "must be at most 10000").default(50),
  ecu: z.string().trim().min(1).optional(),
  ids: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, "must be a comma-separated list of legacy ids, e.g. 12,40,41")
    .transform((text) => text.split(",").map((id) => Number(id.trim())))
    .optional(),
  limit: z.coerce.number().int("must be a whole number").min(0, "must not be negative").optional(),
  retryFailed: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  report: z.string().min(1).default("certificate_migration_report.xlsx"),
  timeZone: z.string().min(1).default("Asia/Dubai"),
  json: z.boolean().default(false),
  logLevel: z.enum(LOG_LEVELS).default("info"),
  verbose: z.boolean().default(false),
});

const checked = schema.refine((settings) => settings.legacyDb !== undefined || settings.demo !== undefined, {
  message: "is required: the legacy database URL (mysql://...), unless --demo N generates one",
  path: ["legacyDb"],
});

/** The validated settings of `certs-legacy-migrate`. */
export type MigrateSettings = z.infer<typeof schema>;

/** Flags, then CERTS_* environment variables, then defaults. */
export function migrateSettings(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Result<MigrateSettings> {
  return resolveSettings({
    schema: checked,
    flags,
    env,
    sources: {
      legacyDb: { flag: "--legacy-db", env: "CERTS_LEGACY_DB_URL" },
      demo: { flag: "--demo" },
      db: { flag: "--db", env: "CERTS_DB_URL" },
      dataDir: { flag: "--data-dir", env: "CERTS_DATA_DIR" },
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
      json: { flag: "--json" },
      logLevel: { flag: "--log-level", env: "CERTS_LOG_LEVEL" },
      verbose: { flag: "--verbose" },
    },
  });
}
