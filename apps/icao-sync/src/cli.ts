import { addCommonFlags, addDatabaseFlags, createProgram, givenFlags, runProgram } from "@certs/app-kit";
import type { Command } from "commander";
import packageJson from "../package.json" with { type: "json" };
import { runCheck } from "./run-check.js";
import { runDiff } from "./run-diff.js";
import { runInspect } from "./run-inspect.js";
import { runMigrate } from "./run-migrate.js";
import { runServe } from "./run-serve.js";
import { runSync } from "./run-sync.js";

/** Repeated flags collect into a list. */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function addDatabaseOptions(command: Command): Command {
  return addDatabaseFlags(command, "PostgreSQL URL postgres://user:pw@host:5432/db");
}

function addSyncOptions(command: Command): Command {
  return command
    .option(
      "--source <path|url>",
      "CSCA master list (.ml/.mls/.bin, DER, PEM or ZIP); repeatable (env CERTS_SOURCE, comma-separated)",
      collect,
    )
    .option(
      "--ldif <path|url>",
      "ICAO PKD LDIF download (DSCs, CRLs, master lists); repeatable (env CERTS_LDIF)",
      collect,
    )
    .option("--crl <path|url>", "CRL file (DER or PEM); repeatable (env CERTS_CRL)", collect)
    .option(
      "--trust-anchor <path|url>",
      "certificate the master list signer must chain to (PEM or DER); repeatable (env CERTS_TRUST_ANCHOR)",
      collect,
    )
    .option(
      "--csca <path|url>",
      "operator CSCA a master list lacks (PEM or DER), stored as provenance operator and trusted like an anchor; repeatable (env CERTS_CSCA)",
      collect,
    )
    .option(
      "--deviation-list <path|url>",
      "ICAO 9303-12 deviation list (.dvl, DER or PEM), stored in deviation_list once its signer verifies; repeatable (env CERTS_DEVIATION_LIST)",
      collect,
    )
    .option("--no-verify", "skip signature and chain checks (logs a warning; env CERTS_VERIFY=false)")
    .option(
      "--allow-unanchored",
      "sync without --trust-anchor: signatures checked, chains not (env CERTS_ALLOW_UNANCHORED)",
    )
    .option(
      "--strict",
      "fail the sync when a CRL, DSC or nested master list is left out because it does not verify (env CERTS_STRICT)",
    )
    .option(
      "--keep-unverifiable-dsc",
      "store LDIF DSCs no trusted CSCA can check, marked unverifiable (env CERTS_KEEP_UNVERIFIABLE_DSC)",
    )
    .option(
      "--exclude-non-conformant",
      "leave collection 003 (non-conformant) DSCs out (env CERTS_EXCLUDE_NON_CONFORMANT)",
    )
    .option(
      "--allow-crl-rollback",
      "store a CRL older than the stored one of its issuer instead of failing (env CERTS_ALLOW_CRL_ROLLBACK)",
    )
    .option(
      "--allow-empty",
      "let sources without any certificate empty the trust store (env CERTS_ALLOW_EMPTY)",
    )
    .option("--force", "rewrite the tables even when the input equals the last successful sync's")
    .option(
      "--source-label <text>",
      "value of the `source` column (env CERTS_SOURCE_LABEL; default icao-masterlist)",
    )
    .option("--timeout-ms <ms>", "download: time limit per request (env CERTS_TIMEOUT_MS; default 60000)")
    .option(
      "--total-timeout-ms <ms>",
      "download: time limit for all attempts at one source, waits included (env CERTS_TOTAL_TIMEOUT_MS; default 300000)",
    )
    .option(
      "--max-bytes <n>",
      "largest source accepted, downloads and files (env CERTS_MAX_BYTES; default 100 MiB)",
    )
    .option(
      "--retries <n>",
      "download: retries after a network error, timeout, 5xx, 408 or 429 (env CERTS_RETRIES; default 4)",
    )
    .option(
      '--header <"Name: value">',
      "download: extra request header, sent only to the source URL's origin; repeatable (env CERTS_HEADERS, one per line)",
      collect,
    )
    .option("--bearer-token <token>", "download: Authorization: Bearer token (prefer env CERTS_BEARER_TOKEN)")
    .option("--oidc-token-url <url>", "download: OpenID Connect token endpoint (env CERTS_OIDC_TOKEN_URL)")
    .option("--oidc-client-id <id>", "OpenID Connect client id (env CERTS_OIDC_CLIENT_ID)")
    .option(
      "--oidc-client-secret <secret>",
      "OpenID Connect client secret (prefer env CERTS_OIDC_CLIENT_SECRET)",
    )
    .option(
      "--oidc-username <name>",
      "password grant user (env CERTS_OIDC_USERNAME); without it: client credentials",
    )
    .option("--oidc-password <password>", "password grant password (prefer env CERTS_OIDC_PASSWORD)")
    .option("--oidc-scope <scopes>", "space-separated scopes to request (env CERTS_OIDC_SCOPE)")
    .option(
      "--service-login-url <url>",
      "download: after the bearer token, POST this login (Authorization: Bearer) for a service token (env CERTS_SERVICE_LOGIN_URL)",
    )
    .option(
      "--service-login-body <json>",
      "the login's JSON body (prefer env CERTS_SERVICE_LOGIN_BODY; default {})",
    )
    .option(
      "--service-login-header <name>",
      "header the service token goes in, to the source's origin only (env CERTS_SERVICE_LOGIN_HEADER; default x-sfc-authorization)",
    );
}

const EXIT_CODES = `Exit codes: 0 done, 1 the sync failed (nothing was written), 2 bad usage or settings,
130/143 interrupted (a write in flight is finished or rolled back).`;

const program = createProgram({
  name: "certs-icao-sync",
  description:
    "Keep a PostgreSQL trust store (root_ca, dsc, crls, revoked_certificate_list) in step with ICAO master lists, PKD LDIF and CRLs.",
  version: packageJson.version,
  examples: [
    "run --source ICAO_ml_December2025.ml --trust-anchor un-csca.pem --db postgres://sync@db/trust",
    "inspect DE_ML_2025-06-25-09-31-57.ml --trust-anchor DE_ROOT_CA_CSCA07.cer",
    "diff --db postgres://sync@db/trust",
    "check EF_SOD.bin --dg 1=EF_DG1.bin --db postgres://reader@db/trust",
    'serve --cron "0 */6 * * *" --run-on-startup --port 8080 --source https://pkd.example/ml.ml',
  ],
  footer: `Run "certs-icao-sync <command> --help" for the options of each command.
${EXIT_CODES}`,
});

addCommonFlags(
  addSyncOptions(
    addDatabaseOptions(
      program
        .command("run")
        .description(
          "load, verify and store the sources in one transaction, then print what was done (migrates the schema first)",
        ),
    ),
  ),
)
  .option("--dry-run", "load, parse and verify, write nothing (no database needed)")
  .option("--json", "print the outcome as JSON on stdout")
  .addHelpText(
    "after",
    `
Examples:
  $ certs-icao-sync run --source ICAO_ml_December2025.ml --trust-anchor un-csca.pem --db postgres://sync:pw@db.internal/trust
  $ certs-icao-sync run --source DE_ML_2025-06-25-09-31-57.ml --trust-anchor DE_ROOT_CA_CSCA07.cer   # embedded PostgreSQL
  $ certs-icao-sync run --source ICAO_ml.ml --trust-anchor un-csca.pem --ldif icaopkd-001-complete.ldif --crl COL.crl --dry-run
  $ certs-icao-sync run --source ICAO_ml_September2023.ml --no-verify --json
  $ certs-icao-sync run --source ICAO_ml.ml --trust-anchor un-csca.pem --csca csca-xx.pem \\
      --ldif icaopkd-001-complete.ldif --deviation-list 20181106_DEDeviationList.dvl
  $ CERTS_OIDC_CLIENT_SECRET=... certs-icao-sync run --source https://pkd.example/ml.ml \\
      --oidc-token-url https://idp.example/token --oidc-client-id sync --trust-anchor un-csca.pem

An input equal to the last successful sync's is not rewritten (reported as skipped); --force rewrites it.
${EXIT_CODES}`,
  )
  .action(async (_flags: unknown, command: Command) => {
    process.exitCode = await runSync(givenFlags(command), process.env);
  });

addCommonFlags(
  addDatabaseOptions(
    program.command("migrate").description("create or update the trust-store tables (idempotent)"),
  ),
)
  .addHelpText(
    "after",
    `
Examples:
  $ certs-icao-sync migrate --db postgres://sync:pw@db.internal:5432/trust
  $ CERTS_DB_URL=postgres://sync@127.0.0.1/trust certs-icao-sync migrate

Exit codes: 0 the schema is current, 1 the migration failed (nothing changed), 2 bad usage.`,
  )
  .action(async (_flags: unknown, command: Command) => {
    process.exitCode = await runMigrate(givenFlags(command), process.env);
  });

addCommonFlags(
  addDatabaseOptions(
    program
      .command("diff")
      .description(
        "print what the last successful sync changed, per table, country and entry (writes nothing)",
      ),
  ),
  { json: "print { syncId, status, finishedAt, source, changes } as JSON (null before the first sync)" },
)
  .addHelpText(
    "after",
    `
Examples:
  $ certs-icao-sync diff --db postgres://sync:pw@db.internal/trust
  $ certs-icao-sync diff --json | jq '.changes.tables.dsc'
  $ certs-icao-sync diff --json | jq '.changes.countries[] | select(.table == "root_ca" and .removed > 0)'

Every sync that replaces the tables records, in the same transaction, what it added and removed against the
rows it replaced: CSCAs (root_ca) and DSCs by the SHA-256 of their DER, CRLs by issuer (replaced: the issuer's
CRL is now another one), revoked entries by CRL issuer and serial; per country, with the first
20 identities of each change. The last 50 syncs are kept. "run" prints the counts per table (per country with
--verbose, all of it with --json).

Exit codes: 0 printed (also when no sync has succeeded yet, which it says), 1 the database cannot be read,
2 bad usage.`,
  )
  .action(async (_flags: unknown, command: Command) => {
    process.exitCode = await runDiff(givenFlags(command), process.env);
  });

addCommonFlags(
  program
    .command("inspect")
    .description("parse and verify files, print the rows a sync would store (writes nothing)")
    .argument(
      "[file...]",
      "master lists; names ending .ldif are read as LDIF, .crl as CRLs, .dvl as deviation lists",
    )
    .option("--ldif <path>", "an LDIF file whatever its name; repeatable", collect)
    .option("--crl <path>", "a CRL file whatever its name; repeatable", collect)
    .option(
      "--trust-anchor <path>",
      "certificate the master list signer must chain to; repeatable (env CERTS_TRUST_ANCHOR)",
      collect,
    )
    .option("--csca <path>", "operator CSCA (PEM or DER), trusted like an anchor; repeatable", collect)
    .option("--deviation-list <path>", "a deviation list whatever its name; repeatable", collect)
    .option("--no-verify", "skip signature and chain checks (env CERTS_VERIFY=false)")
    .option("--keep-unverifiable-dsc", "show LDIF DSCs no trusted CSCA can check as stored (unverifiable)")
    .option("--exclude-non-conformant", "leave collection 003 (non-conformant) DSCs out")
    .option("--source-label <text>", "value of the `source` column (default icao-masterlist)")
    .option("--max-bytes <n>", "largest file accepted (env CERTS_MAX_BYTES)")
    .option(
      "--json",
      "print { root_ca, dsc, crls, revoked_certificate_list, icao_sync_provenance, verification, sources } as JSON",
    ),
)
  .addHelpText(
    "after",
    `
Examples:
  $ certs-icao-sync inspect DE_ML_2025-06-25-09-31-57.ml --trust-anchor DE_ROOT_CA_CSCA07.cer
  $ certs-icao-sync inspect icaopkd-003-complete-000090.ldif COL.crl --json | jq '.dsc | length'
  $ certs-icao-sync inspect ICAO_ml_September2023.ml --no-verify --json
  $ certs-icao-sync inspect DE_ML.ml DE_DeviationList.dvl --trust-anchor DE_ROOT_CA_CSCA07.cer --json | jq .deviation_list

Exit codes: 0 read (and verified), 1 a file cannot be read, parsed or verified, 2 bad usage.`,
  )
  .action(async (files: string[], _flags: unknown, command: Command) => {
    process.exitCode = await runInspect(files, givenFlags(command), process.env);
  });

addCommonFlags(
  addDatabaseOptions(
    program
      .command("check")
      .description(
        "passive authentication: check EF.SOD files (or DSC certificates) against the synced trust store",
      )
      .argument(
        "[file...]",
        "EF.SOD (with or without its 0x77 wrapper), a CMS SignedData SOD, or a DSC certificate",
      )
      .option("--dg <N=file>", "a data group read from the chip, e.g. --dg 1=dg1.bin; repeatable", collect)
      .option("--at <time>", "judge validity and CRL freshness at this ISO 8601 time instead of now")
      .option(
        "--json",
        "print one JSON line per file: { file, valid, sodSignature, chain, csca, dsc, revocation, dataGroups, deviations, problems, notes }",
      ),
  ),
)
  .addHelpText(
    "after",
    `
Examples:
  $ certs-icao-sync check EF_SOD.bin --dg 1=EF_DG1.bin --dg 2=EF_DG2.bin --db postgres://reader@db/trust
  $ certs-icao-sync check sod-*.bin --json | jq -c '{file, valid, chain, revocation: .revocation.status}'
  $ certs-icao-sync check dsc.cer --at 2026-01-31T00:00:00Z

Checks: the SOD signature with its DSC (signed attributes, messageDigest), the DSC's signature by a stored CSCA
of its country (through stored link certificates), its validity at the signingTime and now, its revocation by
the stored CRLs (revoked, not_revoked, no_crl, crl_stale), and the hashes of the data groups given.
Exit codes: 0 every document is valid, 1 any is not (or the store cannot be read), 2 bad usage.`,
  )
  .action(async (files: string[], _flags: unknown, command: Command) => {
    process.exitCode = await runCheck(files, givenFlags(command), process.env);
  });

addCommonFlags(
  addSyncOptions(
    addDatabaseOptions(
      program
        .command("serve")
        .description("sync on a cron schedule and on request, with /health, /ready, /info and POST /trigger"),
    ),
  ),
)
  .option(
    "--cron <pattern>",
    'when to sync, cron syntax in local time (env CERTS_CRON; default "0 */6 * * *")',
  )
  .option("--run-on-startup", "sync once as soon as the schema is ready (env CERTS_RUN_ON_STARTUP)")
  .option("--port <port>", "HTTP port, 0 for any free one (env CERTS_PORT; default 8080)")
  .option(
    "--host <host>",
    "address to listen on (env CERTS_HOST; default 127.0.0.1); any other than loopback needs --trigger-token",
  )
  .option(
    "--trigger-token <token>",
    "POST /trigger then needs Authorization: Bearer <token>; 16+ characters (prefer env CERTS_TRIGGER_TOKEN)",
  )
  .addHelpText(
    "after",
    `
Examples:
  $ certs-icao-sync serve --cron "0 */6 * * *" --run-on-startup --port 8080 \\
      --source https://pkd.example/ICAO_ml.ml --trust-anchor /etc/icao/un-csca.pem --db postgres://sync@db/trust
  $ curl -s localhost:8080/info | jq .lastRun
  $ curl -s -X POST localhost:8080/trigger      # 202 started, 409 while a run is in flight
  $ CERTS_TRIGGER_TOKEN=$(openssl rand -hex 32) certs-icao-sync serve --host 0.0.0.0 --source ...
  $ curl -s -X POST -H "Authorization: Bearer $CERTS_TRIGGER_TOKEN" pkd-sync:8080/trigger

Endpoints: GET /health (200 while up), GET /ready (200 once the database answers on a connection of its own
and the schema is migrated, else 503), GET /info (version, schedule, next run, running and last run with
counts; the table counts are read at most every 3 s), POST /trigger (with --trigger-token only with that
bearer token; without, only from this machine and never from a cross-site web page: 401/403).
Syncs run in a worker thread, so the endpoints answer while a large list is verified.
SIGTERM/SIGINT: stop accepting, finish or roll back the run in flight, close the database, exit 143/130.`,
  )
  .action(async (_flags: unknown, command: Command) => {
    process.exitCode = await runServe(givenFlags(command), process.env, packageJson.version);
  });

await runProgram(program);
