// Consumer test: `pnpm pack` every publishable package, install the tarballs into a scratch project
// outside the workspace with npm (as another team would), import every public entry point from ESM
// and from CommonJS (through import(): the packages are ESM-only), typecheck a TypeScript consumer, and run a small
// real job with each package. Exits non-zero on the first failure. Needs `pnpm build` first.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const scratch = mkdtempSync(path.join(tmpdir(), "certs-consumer-"));
// As root the embedded PostgreSQL runs as the `postgres` user, which must reach the installed binaries.
chmodSync(scratch, 0o755);
const tarballs = path.join(scratch, "tarballs");
const project = path.join(scratch, "project");
const keep = process.argv.includes("--keep");

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
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

  console.log(run(process.execPath, ["esm.mjs"], project).trimEnd());
  console.log(run(process.execPath, ["cjs.cjs"], project).trimEnd());
  typecheckConsumer();
  console.log("typescript consumer (module node16, strict, our declarations fully checked): compiles");
  console.log("consumer test passed");
} catch (error) {
  console.error(`consumer test FAILED: ${error.message}`);
  if (error.stdout) console.error(String(error.stdout));
  if (error.stderr) console.error(String(error.stderr));
  process.exitCode = 1;
} finally {
  if (!keep) rmSync(scratch, { recursive: true, force: true });
}
