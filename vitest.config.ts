import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

/** Every workspace directory that has a package.json: one vitest project each. */
function workspaceDirs(group: string): string[] {
  const base = path.join(root, group);
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .map((name) => path.join(base, name))
    .filter((dir) => existsSync(path.join(dir, "package.json")));
}

/** Whether a workspace has type tests (`*.test-d.ts`): only those run tsc, which vitest announces per project. */
function hasTypeTests(dir: string): boolean {
  return ["src", "test"].some(
    (sub) =>
      existsSync(path.join(dir, sub)) &&
      readdirSync(path.join(dir, sub), { recursive: true }).some((file) =>
        String(file).endsWith(".test-d.ts"),
      ),
  );
}

function packageName(dir: string): string {
  return (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name: string }).name;
}

// Tests import sibling packages from source, so `pnpm test` needs no build first.
const alias: Record<string, string> = {};
for (const dir of workspaceDirs("packages")) {
  const name = packageName(dir);
  alias[`${name}/testing`] = path.join(dir, "src/testing/index.ts");
  alias[name] = path.join(dir, "src/index.ts");
}
alias["@certs/db/embedded"] = path.join(root, "packages/db/src/embedded/index.ts");
// @certs/db's own tests use the test servers, which are built on @certs/db: resolving testdb by path keeps
// the workspace graph acyclic (db has no dependency on testdb).
alias["@certs/testdb/global-setup"] = path.join(root, "tools/testdb/src/global-setup.ts");
alias["@certs/testdb"] = path.join(root, "tools/testdb/src/index.ts");
const aliasList = Object.entries(alias)
  .sort(([a], [b]) => b.length - a.length)
  .map(([find, replacement]) => ({ find: new RegExp(`^${find.replace(/[/]/g, "\\/")}$`), replacement }));

const fixturesDir = path.resolve(root, process.env.CERTS_FIXTURES_DIR ?? "../shared/fixtures");
const haveFixtures = existsSync(fixturesDir);
if (!haveFixtures) {
  console.log(`conformance tests not run: no fixtures at ${fixturesDir} (set CERTS_FIXTURES_DIR)`);
}

const testDirs = [...workspaceDirs("packages"), ...workspaceDirs("apps"), ...workspaceDirs("tools")];

// Spread into each project rather than `extends: true`, which evaluates this file again per project and gives
// every project the global setup too: the test servers then start once, in the root project, for all.
const shared = {
  resolve: { alias: aliasList },
  test: { env: { CERTS_FIXTURES_DIR: fixturesDir }, testTimeout: 60_000, hookTimeout: 120_000 },
};

export default defineConfig({
  resolve: shared.resolve,
  test: {
    ...shared.test,
    globalSetup: [path.join(root, "tools/testdb/src/global-setup.ts")],
    projects: [
      ...testDirs.map((dir) => ({
        resolve: shared.resolve,
        test: {
          ...shared.test,
          name: packageName(dir),
          root: dir,
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          typecheck: { enabled: hasTypeTests(dir), include: ["src/**/*.test-d.ts", "test/**/*.test-d.ts"] },
        },
      })),
      ...(haveFixtures
        ? [
            {
              resolve: shared.resolve,
              test: {
                ...shared.test,
                name: "conformance",
                root,
                include: ["packages/*/conformance/**/*.test.ts", "apps/*/conformance/**/*.test.ts"],
              },
            },
          ]
        : []),
    ],
  },
});
