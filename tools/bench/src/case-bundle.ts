import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** Where compiled cases go: inside the bench package, so their imports resolve from its node_modules. */
const OUT_DIR = fileURLToPath(new URL("../.cases/", import.meta.url));
const SRC_DIR = fileURLToPath(new URL("../", import.meta.url));
const bundles = new Map<string, Promise<string>>();

/**
 * Compiles a case file to one plain JavaScript module (its own relative imports inlined, every package import
 * left as it is), so the case runs under plain `node` with the workspace packages' built `dist`, as the apps
 * and other teams' pipelines run them. Under a TypeScript loader the child would also carry the loader's
 * hooks thread (about 45 MB of RSS) into every peak measured. Compiled once per file and run.
 */
export function bundledCase(file: string): Promise<string> {
  let bundle = bundles.get(file);
  if (bundle === undefined) {
    const name = path
      .relative(SRC_DIR, file)
      .replace(/[\\/]/g, "__")
      .replace(/\.[cm]?ts$/, ".mjs");
    const outfile = path.join(OUT_DIR, name);
    bundle = build({
      entryPoints: [file],
      outfile,
      bundle: true,
      packages: "external",
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "inline",
      logLevel: "silent",
    }).then(() => outfile);
    bundles.set(file, bundle);
  }
  return bundle;
}
