import {
  addCommonFlags,
  addDatabaseFlags,
  createProgram,
  examplesHelp,
  givenFlags,
  runProgram,
  showDefaultCommandHelp,
} from "@certs/app-kit";
import type { Command } from "commander";
import packageJson from "../package.json" with { type: "json" };
import { runExport } from "./run-export.js";
import { runReconcile } from "./run-reconcile.js";
import { runVerify } from "./run-verify.js";

const NAME = "certs-ct-export";
const RUN_EXAMPLES = [
  "--db mysql://exporter:secret@db.internal:3306/ct",
  "--db mariadb://root@127.0.0.1/ct --batch-size 1000 --sleep-ms 0",
  "--once --dry-run                 # one batch from the embedded database, nothing deleted",
  "CERTS_DB_URL=postgres://ct@127.0.0.1/ct certs-ct-export --follow -o /srv/uploader/pending/upload_failure",
  "--db mysql://exporter:secret@primary/ct --check-replica mysql://monitor:secret@replica/ct --max-lag 5",
];

const program = createProgram({
  name: NAME,
  description:
    "Drain a certs table of Certificate Transparency entries into pending/upload_failure/*.json files, exactly once.",
  version: packageJson.version,
  examples: [...RUN_EXAMPLES, "verify pending/upload_failure"],
  footer: `Exit codes: 0 done, 1 the job failed (including a row that cannot be exported), 2 bad usage or
settings, 130/143 interrupted.`,
});

const run = addCommonFlags(
  addDatabaseFlags(
    program
      .command("run", { isDefault: true })
      .description(
        "export the table in batches: claim, write the file durably, delete the rows (the default command)",
      ),
    "database URL: mysql://, mariadb://, postgres://",
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
    .option(
      "--retry-for <seconds>",
      "retry transient database errors (lost connection, restart) this long (env CERTS_RETRY_FOR; default 120)",
    )
    .option(
      "--max-rows-per-second <n>",
      "cap the export rate, as pt-archiver does on live tables (env CERTS_MAX_ROWS_PER_SECOND)",
    )
    .option(
      "--check-replica <url>",
      "before each claim read this MySQL/MariaDB replica's lag; pause while it is over --max-lag or unknown (env CERTS_CHECK_REPLICA)",
    )
    .option(
      "--max-lag <seconds>",
      "the most replica lag to export under; needs --check-replica (env CERTS_MAX_LAG)",
    ),
  { json: "print the summary as JSON on stdout" },
)
  .addHelpText(
    "after",
    examplesHelp(
      NAME,
      RUN_EXAMPLES,
      `Exit codes: 0 table drained (or --once/--max-batches reached), 1 the job failed or left rows behind
(a row that cannot be exported fails the job), 2 bad usage or settings, 130/143 interrupted (the batch in
flight is finished or rolled back).`,
    ),
  )
  .action(async (_flags: unknown, command: Command) => {
    process.exitCode = await runExport(givenFlags(command), process.env);
  });

addCommonFlags(
  addDatabaseFlags(
    program
      .command("reconcile")
      .description(
        "settle, without exporting, what ended runs into --output left in the journal: published batches' rows are deleted, the others released (run it on the host that owns the directory)",
      ),
    "database URL: mysql://, mariadb://, postgres://",
  )
    .option(
      "-o, --output <dir>",
      "the output directory whose journal entries to settle (env CERTS_OUTPUT_DIR)",
    )
    .option("--table <name>", "the exported table (env CERTS_TABLE; default certs)")
    .option(
      "--retry-for <seconds>",
      "retry transient database errors this long (env CERTS_RETRY_FOR; default 120)",
    ),
  { json: "print the summary as JSON on stdout" },
).action(async (_flags: unknown, command: Command) => {
  process.exitCode = await runReconcile(givenFlags(command), process.env);
});

program
  .command("verify")
  .description(
    "check pending files as CT monitors do: each entry decodes, a precert's TBS matches its pre-certificate, issuer_key_hash and chain signatures hold; duplicates are listed",
  )
  .argument(
    "<paths...>",
    "pending directories (their *.json files) or files: pending files, get-entries responses, entries, worker failure records",
  )
  .option("--json", "print the report as JSON on stdout (with each entry's RFC 6962 leaf hash)")
  .option(
    "--quarantine <dir>",
    "move each file holding a bad entry (or unreadable) into this directory, so the uploader never posts it",
  )
  .addHelpText(
    "after",
    examplesHelp(
      NAME,
      [
        "verify pending/upload_failure",
        "verify ./demo-output/pending/upload_failure --json",
        "verify pending/upload_failure --quarantine pending/quarantine",
        "verify get-entries_0-31.json failed_entry_nimbus2026_2680.json",
      ],
      "Exit codes: 0 every entry is good, 1 bad or unreadable files or entries (listed; duplicates alone do not fail), 2 a path or the quarantine directory cannot be used.",
    ),
  )
  .action(async (paths: string[], flags: { json?: boolean; quarantine?: string }) => {
    process.exitCode = await runVerify(paths, {
      json: flags.json === true,
      ...(flags.quarantine === undefined ? {} : { quarantine: flags.quarantine }),
    });
  });

showDefaultCommandHelp(program, run);

await runProgram(program);
