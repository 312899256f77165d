import { addCommonFlags, addDatabaseFlags, createProgram, givenFlags, runProgram } from "@certs/app-kit";
import type { Command } from "commander";
import packageJson from "../package.json" with { type: "json" };
import { runMigration } from "./run-migration.js";
import { runVerify } from "./run-verify.js";

const program = createProgram({
  name: "certs-legacy-migrate",
  description:
    "Migrate speed-limiter certificates (with devices, customers, technicians and vehicles) from the legacy database to the new one: exactly once, resumable, with an Excel report.",
  version: packageJson.version,
  examples: [
    "--demo 2000 --mode auto           # generated data, embedded PostgreSQL, nothing to install",
    "--legacy-db mysql://reader:secret@legacy:3306/cms --db mysql://writer:secret@new:3306/rd --mode auto",
    '--legacy-db mysql://reader@legacy/cms --mode interactive --ecu " WD00512 "',
    "--legacy-db mysql://reader@legacy/cms --retry-failed --report retry.xlsx",
    "CERTS_LEGACY_DB_URL=mysql://reader@legacy/cms certs-legacy-migrate --dry-run --limit 100",
    "--legacy-db mysql://reader@legacy/cms --max-rate 200 --rejects rejects.jsonl",
    "verify --legacy-db mysql://reader@legacy/cms --db mysql://writer@new/rd --output discrepancies.xlsx",
  ],
  footer: `A run can be stopped at any moment (Ctrl+C, or even a crash): rerunning it migrates what is left, never twice.
In interactive mode without a terminal, answers are read one per line from stdin: m(igrate), s(kip), e(xit).
Exit codes: 0 all selected certificates migrated, 1 some failed (see the report) or the run failed,
2 bad usage or settings (flags, environment, mapping files, a report path that cannot be written),
130/143 interrupted (groups in flight were committed).`,
});

// `verify` has flags of the same names: those after the subcommand are its own.
program.enablePositionalOptions();
program.option(
  "--legacy-db <url>",
  "legacy database URL, mysql:// or postgres:// (env CERTS_LEGACY_DB_URL; required unless --demo)",
);
program.option(
  "--demo <n>",
  "generate a legacy database of N certificates (and an empty destination) next to --db or in the embedded PostgreSQL, then migrate it",
);
addDatabaseFlags(program, "destination database URL");
addCommonFlags(
  program
    .option(
      "--mappings <dir>",
      "directory of customer_mappings.json, user_mappings.json, technicians_mapping.json, certificates_mappings.json (env CERTS_MAPPINGS_DIR; default ./mappings)",
    )
    .addOption(
      program
        .createOption(
          "--mode <mode>",
          "interactive: one certificate at a time; auto: workers (default: interactive on a terminal, auto otherwise)",
        )
        .choices(["auto", "interactive"]),
    )
    .option("--workers <n>", "concurrent workers in auto mode (env CERTS_WORKERS; default 10)")
    .option("--group-size <n>", "certificates per destination transaction (env CERTS_GROUP_SIZE; default 50)")
    .option("--ecu <number>", "only this ECU (trimmed, case-insensitive)")
    .option("--ids <list>", "only these legacy ids, comma-separated")
    .option("--limit <n>", "attempt at most this many certificates")
    .option("--retry-failed", "only the records that failed in earlier runs")
    .option("--dry-run", "do everything in transactions that roll back; the report says what would happen")
    .option(
      "--report <file>",
      "Excel report path (env CERTS_REPORT_PATH; default certificate_migration_report.xlsx)",
    )
    .option(
      "--rejects <file>",
      "write one JSON line per refused certificate (legacy id, step, code, message) (env CERTS_REJECTS_PATH)",
    )
    .option(
      "--max-rate <n>",
      "hand at most N certificates per second to the workers, for a live legacy database (env CERTS_MAX_RATE)",
    )
    .option(
      "--time-zone <zone>",
      "zone of the legacy wall-clock dates (env CERTS_LEGACY_TIME_ZONE; default Asia/Dubai)",
    ),
  { json: "print the summary as JSON on stdout" },
).action(async (_flags: unknown, command: Command) => {
  process.exitCode = await runMigration(givenFlags(command), process.env);
});

const verify = program
  .command("verify")
  .description(
    "the sign-off check: recompute every migrated certificate from its legacy record and compare it column by column; find orphans and duplicates",
  )
  .option("--legacy-db <url>", "legacy database URL (env CERTS_LEGACY_DB_URL)");
addCommonFlags(
  addDatabaseFlags(verify, "destination database URL")
    .option(
      "--mappings <dir>",
      "directory of the mapping files the migration used (env CERTS_MAPPINGS_DIR; default ./mappings)",
    )
    .option("--ecu <number>", "only this ECU (trimmed, case-insensitive)")
    .option("--ids <list>", "only these legacy ids, comma-separated")
    .option("--limit <n>", "only the first N selected legacy records")
    .option("--retry-failed", "only the records with a recorded failure")
    .option(
      "--time-zone <zone>",
      "zone of the legacy wall-clock dates the migration used (default Asia/Dubai)",
    )
    .option(
      "--output <file>",
      "write every discrepancy here: .xlsx (a sheet) or .json (env CERTS_VERIFY_OUTPUT)",
    ),
  { json: "print the summary as JSON on stdout" },
)
  .addHelpText(
    "after",
    "\nExit codes: 0 clean, 1 discrepancies found (each printed, and written to --output), 2 bad usage or settings.",
  )
  .action(async (_flags: unknown, command: Command) => {
    process.exitCode = await runVerify(givenFlags(command), process.env);
  });

await runProgram(program);
