import { Command, Option } from "commander";
import { ExitCode, LOG_LEVELS } from "@certs/app-kit";
import packageJson from "../package.json" with { type: "json" };
import { runExport } from "./run-export.js";
import { runVerify } from "./run-verify.js";

const program = new Command()
  .name("certs-ct-export")
  .description(
    "Drain a certs table of Certificate Transparency entries into pending/upload_failure/*.json files, exactly once.",
  )
  .version(packageJson.version)
  .showHelpAfterError()
  .exitOverride();

program
  .command("run", { isDefault: true })
  .description(
    "export the table in batches: claim, write the file durably, delete the rows (the default command)",
  )
  .option(
    "--db <url>",
    "database URL: mysql://, mariadb://, postgres:// (env CERTS_DB_URL; default: the embedded PostgreSQL)",
  )
  .option(
    "--data-dir <dir>",
    "embedded PostgreSQL data directory (env CERTS_DATA_DIR; default ./.certs/postgres)",
  )
  .option(
    "-o, --output <dir>",
    "directory for the pending files (env CERTS_OUTPUT_DIR; default pending/upload_failure)",
  )
  .option("-b, --batch-size <n>", "rows per file (env CERTS_BATCH_SIZE; default 32)")
  .option("-s, --sleep-ms <ms>", "pause between batches in milliseconds (env CERTS_SLEEP_MS; default 2000)")
  .option("--table <name>", "table to drain (env CERTS_TABLE; default certs)")
  .option("--once", "export one batch, then stop")
  .option("--max-batches <n>", "stop after this many batches")
  .option("--follow", "keep polling when the table is empty, until Ctrl+C")
  .option("--dry-run", "write files to a scratch directory and delete nothing")
  .option("--json", "print the summary as JSON on stdout")
  .addOption(
    new Option("--log-level <level>", "log level (env CERTS_LOG_LEVEL; default info)").choices(LOG_LEVELS),
  )
  .option("--verbose", "show stack traces of failures")
  .addHelpText(
    "after",
    `
Examples:
  $ certs-ct-export --db mysql://exporter:secret@db.internal:3306/ct
  $ certs-ct-export --db mariadb://root@127.0.0.1/ct --batch-size 1000 --sleep-ms 0
  $ certs-ct-export --once --dry-run                 # one batch from the embedded database, nothing deleted
  $ CERTS_DB_URL=postgres://ct@127.0.0.1/ct certs-ct-export --follow -o /srv/uploader/pending/upload_failure

Exit codes: 0 table drained (or --once/--max-batches reached), 1 the job failed or left rows behind,
2 bad usage, 130/143 interrupted (the batch in flight is finished or rolled back).`,
  )
  .action(async (flags: Record<string, unknown>) => {
    process.exitCode = await runExport(flags, process.env);
  });

program
  .command("verify")
  .description("check pending files: each entry decodes as an RFC 6962 entry; counts per log and entry type")
  .argument("<dir>", "directory of pending *.json files")
  .option("--json", "print the report as JSON on stdout")
  .addHelpText(
    "after",
    `
Examples:
  $ certs-ct-export verify pending/upload_failure
  $ certs-ct-export verify ./demo-output/pending/upload_failure --json

Exit codes: 0 every entry is good, 1 bad files or entries (listed), 2 the directory cannot be read.`,
  )
  .action(async (dir: string, flags: { json?: boolean }) => {
    process.exitCode = await runVerify(dir, flags.json === true);
  });

try {
  await program.parseAsync();
} catch (error) {
  const code = (error as { exitCode?: number }).exitCode;
  // commander has printed its message (or the help/version) already.
  process.exitCode = code === 0 ? ExitCode.OK : ExitCode.USAGE;
}
