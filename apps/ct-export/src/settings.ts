import { LOG_LEVELS, resolveSettings } from "@certs/app-kit";
import type { Result } from "@certs/result";
import { z } from "zod";

const positiveInt = z.coerce.number().int("must be a whole number").positive("must be at least 1");

const schema = z.object({
  db: z.string().min(1).optional(),
  dataDir: z.string().min(1).optional(),
  output: z.string().min(1).default("pending/upload_failure"),
  batchSize: positiveInt.max(100_000, "must be at most 100000").default(32),
  sleepMs: z.coerce.number().int("must be a whole number").min(0, "must not be negative").default(2000),
  table: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain table name")
    .default("certs"),
  once: z.boolean().default(false),
  maxBatches: positiveInt.optional(),
  follow: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
  logLevel: z.enum(LOG_LEVELS).default("info"),
  verbose: z.boolean().default(false),
});

/** The validated settings of `certs-ct-export run`. */
export type ExportSettings = z.infer<typeof schema>;

/** Flags, then CERTS_* environment variables, then defaults. */
export function exportSettings(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Result<ExportSettings> {
  return resolveSettings({
    schema,
    flags,
    env,
    sources: {
      db: { flag: "--db", env: "CERTS_DB_URL" },
      dataDir: { flag: "--data-dir", env: "CERTS_DATA_DIR" },
      output: { flag: "--output", env: "CERTS_OUTPUT_DIR" },
      batchSize: { flag: "--batch-size", env: "CERTS_BATCH_SIZE" },
      sleepMs: { flag: "--sleep-ms", env: "CERTS_SLEEP_MS" },
      table: { flag: "--table", env: "CERTS_TABLE" },
      once: { flag: "--once" },
      maxBatches: { flag: "--max-batches" },
      follow: { flag: "--follow" },
      dryRun: { flag: "--dry-run" },
      json: { flag: "--json" },
      logLevel: { flag: "--log-level", env: "CERTS_LOG_LEVEL" },
      verbose: { flag: "--verbose" },
    },
  });
}
