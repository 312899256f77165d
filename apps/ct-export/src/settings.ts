import {
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
});

/** The validated settings of `certs-ct-export run`. */
export type ExportSettings = z.infer<typeof schema>;

/** `run`: flags, then CERTS_* environment variables, then defaults. */
export const exportSettings = settingsReader(schema, {
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
});
