import {
  databaseUrl,
  DATABASE_SETTINGS,
  JSON_SETTING,
  LOGGING_SETTINGS,
  positiveWholeNumber,
  settingsReader,
  text,
  wholeNumber,
} from "@certs/app-kit";
import { z } from "zod";

const schema = z.object({
  ...DATABASE_SETTINGS,
  ...LOGGING_SETTINGS,
  ...JSON_SETTING,
  output: text().default("pending/upload_failure"),
  batchSize: positiveWholeNumber(100_000).default(32),
  sleepMs: wholeNumber({ min: 0 }).default(2000),
  table: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain table name (letters, digits, _)")
    .default("certs"),
  once: z.boolean().default(false),
  maxBatches: positiveWholeNumber().optional(),
  follow: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  retryFor: wholeNumber({ min: 0 }).default(120),
  maxRowsPerSecond: positiveWholeNumber().optional(),
  checkReplica: databaseUrl()
    .refine((url) => /^(mysql|mariadb):/i.test(url.trim()), {
      message: "must be a mysql:// or mariadb:// URL: replica lag is read with SHOW REPLICA STATUS",
    })
    .optional(),
  maxLag: positiveWholeNumber().optional(),
});

// The lag check needs both: a replica without a limit (or a limit without a replica) is a mistake.
const checkedSchema = schema.superRefine((settings, ctx) => {
  if (settings.checkReplica !== undefined && settings.maxLag === undefined) {
    ctx.addIssue({ code: "custom", path: ["checkReplica"], message: "needs --max-lag SECONDS too" });
  } else if (settings.maxLag !== undefined && settings.checkReplica === undefined) {
    ctx.addIssue({ code: "custom", path: ["maxLag"], message: "needs --check-replica URL too" });
  }
});

/** The validated settings of `certs-ct-export run`. */
export type ExportSettings = z.infer<typeof checkedSchema>;

/** `run`: flags, then CERTS_* environment variables, then defaults. */
export const exportSettings = settingsReader(checkedSchema, {
  output: { flag: "--output", env: "CERTS_OUTPUT_DIR" },
  batchSize: { flag: "--batch-size", env: "CERTS_BATCH_SIZE" },
  sleepMs: { flag: "--sleep-ms", env: "CERTS_SLEEP_MS" },
  table: { flag: "--table", env: "CERTS_TABLE" },
  once: { flag: "--once" },
  maxBatches: { flag: "--max-batches" },
  follow: { flag: "--follow" },
  dryRun: { flag: "--dry-run" },
  retryFor: { flag: "--retry-for", env: "CERTS_RETRY_FOR" },
  maxRowsPerSecond: { flag: "--max-rows-per-second", env: "CERTS_MAX_ROWS_PER_SECOND" },
  checkReplica: { flag: "--check-replica", env: "CERTS_CHECK_REPLICA" },
  maxLag: { flag: "--max-lag", env: "CERTS_MAX_LAG" },
});
