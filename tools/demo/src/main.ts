// `pnpm demo`: the three apps as a user runs them, on the embedded PostgreSQL in ./.certs/postgres.
// Each run starts from a clean slate (its own demo databases and output folders), so running it
// twice gives the same outcome. Real data is used where CERTS_FIXTURES_DIR (or --icao-source) points.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { formatConnectionUrl, openDataSource, silentLogger, type PostgresConnectionSpec } from "@certs/db";
import { startEmbeddedPostgres } from "@certs/db/embedded";
import { generateCertRows, seedCertsTable, type CertRowData } from "@certs/ct-export/testing";
import { generateIcaoPki } from "@certs/icao-sync/testing";
import { generateLegacyDataset, setUpMigrationDatabases } from "@certs/legacy-migration/testing";
import { Result } from "@certs/result";
import pg from "pg";

const root = path.resolve(import.meta.dirname, "../../..");
const output = path.join(root, "demo-output");
const DATABASES = ["demo_icao", "demo_ct", "demo_legacy", "demo_destination"] as const;

const { values: flags } = parseArgs({
  options: {
    "data-dir": { type: "string", default: path.join(root, ".certs/postgres") },
    "icao-source": { type: "string" },
    "icao-anchor": { type: "string" },
    certificates: { type: "string", default: "2000" },
    "ct-rows": { type: "string", default: "2000" },
  },
});

function section(title: string): void {
  process.stdout.write(`\n=== ${title} ===\n`);
}

/** Runs an app's built CLI as a user would and passes its output through. */
function runApp(app: string, args: string[]): Promise<{ code: number; stdout: string }> {
  const cli = path.join(root, "apps", app, "dist/cli.js");
  process.stdout.write(`$ ${path.basename(cli) === "cli.js" ? app : cli} ${args.map(redactArg).join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, CERTS_LOG_LEVEL: process.env.CERTS_LOG_LEVEL ?? "warn" },
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      process.stdout.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
  });
}

function redactArg(arg: string): string {
  return arg.replace(/(:\/\/[^:/@]+:)[^@]+@/, "$1***@");
}

function urlFor(spec: PostgresConnectionSpec, database: string): string {
  return formatConnectionUrl({ ...spec, database });
}

async function resetDatabases(spec: PostgresConnectionSpec): Promise<void> {
  const client = new pg.Client({ connectionString: urlFor(spec, "postgres") });
  await client.connect();
  try {
    for (const name of DATABASES) {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${name}`);
    }
  } finally {
    await client.end();
  }
}

async function openServerDataSource(url: string) {
  const spec = Result.getOrThrow((await import("@certs/db")).parseConnectionUrl(url));
  if (spec.kind === "embedded") throw new Error("a server URL is expected");
  return Result.getOrThrow(await openDataSource(spec, { poolSize: 4 }));
}

/** The ICAO inputs: real files when the fixtures (or --icao-source) are there, generated ones otherwise. */
async function icaoInputs(): Promise<{ args: string[]; origin: string }> {
  const fixtures = process.env.CERTS_FIXTURES_DIR ?? path.join(root, "../shared/fixtures");
  if (flags["icao-source"]) {
    const anchor = flags["icao-anchor"];
    return {
      args: ["--source", flags["icao-source"], ...(anchor ? ["--trust-anchor", anchor] : ["--no-verify"])],
      origin: flags["icao-source"],
    };
  }
  const icao = path.join(fixtures, "icao");
  if (existsSync(path.join(icao, "DE_ML_2025-06-25-09-31-57.ml"))) {
    return {
      args: [
        "--source",
        path.join(icao, "DE_ML_2025-06-25-09-31-57.ml"),
        "--trust-anchor",
        path.join(icao, "DE_ROOT_CA_CSCA07.cer"),
        "--ldif",
        path.join(icao, "icaopkd-003-complete-000090.ldif"),
        "--crl",
        path.join(icao, "COL.crl"),
      ],
      origin: `the real German master list, ICAO PKD LDIF and Colombian CRL in ${icao}`,
    };
  }
  const dir = path.join(output, "icao");
  await mkdir(dir, { recursive: true });
  const pki = generateIcaoPki({ seed: "certs-demo", extraCountries: 6, dscsPerCountry: 8 });
  await writeFile(path.join(dir, "masterlist.ml"), pki.masterList);
  await writeFile(path.join(dir, "trust-anchor.der"), pki.anchor.der);
  await writeFile(path.join(dir, "icaopkd-001-demo.ldif"), pki.ldif.dscsAndCrls);
  return {
    args: [
      "--source",
      path.join(dir, "masterlist.ml"),
      "--trust-anchor",
      path.join(dir, "trust-anchor.der"),
      "--ldif",
      path.join(dir, "icaopkd-001-demo.ldif"),
    ],
    origin: `a generated master list, trust anchor and PKD LDIF (with CRLs) in ${path.relative(root, dir)}`,
  };
}

/** CT rows: the real entries of the export file when the fixtures are there, generated ones otherwise. */
async function ctRows(): Promise<{ rows: CertRowData[]; origin: string }> {
  const fixtures = process.env.CERTS_FIXTURES_DIR ?? path.join(root, "../shared/fixtures");
  const generated = await generateCertRows({ count: Number(flags["ct-rows"]), seed: "certs-demo" });
  const real = path.join(fixtures, "ct/export_certs_model_12_to_143.json");
  if (!existsSync(real)) return { rows: generated, origin: `${generated.length} generated CT entries` };
  const entries = JSON.parse(await readFile(real, "utf8")) as Omit<CertRowData, "ip_address">[];
  const rows = entries.map((entry) => ({ ...entry, ct_index: String(entry.ct_index), ip_address: null }));
  return {
    rows: [...rows, ...generated],
    origin: `${rows.length} real CT entries from ${path.relative(root, real)} and ${generated.length} generated ones`,
  };
}

async function main(): Promise<number> {
  const started = performance.now();
  section("embedded PostgreSQL");
  const server = await startEmbeddedPostgres({
    dataDir: flags["data-dir"],
    database: "postgres",
    // Its one line says where the data and the binaries are (as root they may be outside the checkout).
    logger: { ...silentLogger, info: (_fields, message) => process.stdout.write(`${message ?? ""}\n`) },
  });
  if (!server.ok) {
    process.stderr.write(`error: ${server.error.code}: ${server.error.message}\n`);
    return 1;
  }
  const spec = server.value.spec;
  const outcomes: string[] = [];
  try {
    await resetDatabases(spec);
    await rm(output, { recursive: true, force: true });
    await mkdir(output, { recursive: true });

    section("1. ICAO master list into the trust store (certs-icao-sync run)");
    const icao = await icaoInputs();
    process.stdout.write(`inputs: ${icao.origin}\n`);
    const sync = await runApp("icao-sync", ["run", ...icao.args, "--db", urlFor(spec, "demo_icao")]);
    if (sync.code !== 0) throw new Error(`certs-icao-sync exited with ${sync.code}`);
    outcomes.push(`ICAO sync: ${sync.stdout.trim().split("\n")[0] ?? ""} (database demo_icao)`);

    section("2. CT entries to pending upload files (certs-ct-export, then verify)");
    const ct = await ctRows();
    process.stdout.write(`seeding the certs table with ${ct.origin}\n`);
    const ctSource = await openServerDataSource(urlFor(spec, "demo_ct"));
    await seedCertsTable(ctSource, ct.rows, { withIpAddress: false });
    await ctSource.destroy();
    const pending = path.join(output, "pending/upload_failure");
    const exported = await runApp("ct-export", [
      "--db",
      urlFor(spec, "demo_ct"),
      "-o",
      pending,
      "--sleep-ms",
      "1",
    ]);
    if (exported.code !== 0) throw new Error(`certs-ct-export exited with ${exported.code}`);
    const verified = await runApp("ct-export", ["verify", pending]);
    if (verified.code !== 0) throw new Error(`certs-ct-export verify exited with ${verified.code}`);
    outcomes.push(`CT export: ${exported.stdout.trim().split("\n")[0] ?? ""}`);
    outcomes.push(`CT verify: ${verified.stdout.trim().split("\n")[0] ?? ""}`);

    section("3. Legacy certificates to the new database (certs-legacy-migrate --mode auto)");
    const count = Number(flags.certificates);
    const dataset = generateLegacyDataset({ certificates: count, seed: "certs-demo" });
    const mappings = path.join(output, "mappings");
    await mkdir(mappings, { recursive: true });
    const legacy = await openServerDataSource(urlFor(spec, "demo_legacy"));
    const destination = await openServerDataSource(urlFor(spec, "demo_destination"));
    Result.getOrThrow(
      await setUpMigrationDatabases({ legacy, destination, dataset, mappingDirectory: mappings }),
    );
    await Promise.all([legacy.destroy(), destination.destroy()]);
    process.stdout.write(
      `generated ${count} legacy certificates (with the defects real data has) and their mapping files\n`,
    );
    const report = path.join(output, "certificate_migration_report.xlsx");
    const migrated = await runApp("legacy-migration", [
      "--mode",
      "auto",
      "--legacy-db",
      urlFor(spec, "demo_legacy"),
      "--db",
      urlFor(spec, "demo_destination"),
      "--mappings",
      mappings,
      "--report",
      report,
    ]);
    // Exit code 1 means some records could not be migrated: the generated data has such records on purpose.
    if (migrated.code !== 0 && migrated.code !== 1)
      throw new Error(`certs-legacy-migrate exited with ${migrated.code}`);
    outcomes.push(`Legacy migration: ${migrated.stdout.trim().split("\n")[0] ?? ""}`);
  } catch (error) {
    process.stderr.write(`demo failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await server.value.stop();
  }

  section("summary");
  for (const line of outcomes) process.stdout.write(`- ${line}\n`);
  process.stdout.write(
    [
      `Outputs in ${path.relative(root, output)}/: pending/upload_failure/*.json, certificate_migration_report.xlsx, mappings/`,
      `Databases demo_icao, demo_ct, demo_legacy, demo_destination in the embedded PostgreSQL (${path.relative(root, flags["data-dir"])}).`,
      `Done in ${((performance.now() - started) / 1000).toFixed(1)} s. Run it again: same outcome, from a clean slate.`,
    ].join("\n") + "\n",
  );
  return 0;
}

process.exitCode = await main();
