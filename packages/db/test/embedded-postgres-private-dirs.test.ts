import { chmod, lstat, mkdir, mkdtemp, readdir, readlink, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../src/embedded/index.js";
import { silentLogger, type Logger } from "../src/logger.js";

// As root the server runs as the unprivileged `postgres` user: that is what these tests are about.
const isRoot = process.getuid?.() === 0;

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("the embedded PostgreSQL in private directories", () => {
  let root: string;
  const running: EmbeddedPostgres[] = [];

  async function started(dataDir: string, cacheDir: string, logger?: Logger): Promise<EmbeddedPostgres> {
    const result = await startEmbeddedPostgres({
      dataDir,
      cacheDir,
      ...(logger === undefined ? {} : { logger }),
    });
    if (!result.ok) throw new Error(`expected a start, got: ${result.error.message}`);
    running.push(result.value);
    return result.value;
  }

  /** A fresh cache directory, so each test sees its own staging. */
  async function freshCache(name: string): Promise<string> {
    const dir = path.join(root, name);
    await mkdir(dir, { mode: 0o755 });
    return dir;
  }

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "certs-db-private-"));
    await chmod(root, 0o755);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it(
    isRoot
      ? "as root, a data directory under a fresh mode-0700 directory works: the data goes where the postgres user can reach it, and the requested path links there"
      : "a data directory under a fresh mode-0700 directory works, in place",
    async () => {
      const cacheDir = await freshCache("cache-0700");
      const privateDir = await mkdtemp(path.join(root, "private-"));
      expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
      const requested = path.join(privateDir, ".certs", "postgres");

      const lines: string[] = [];
      const logger: Logger = { ...silentLogger, info: (_fields, message) => void lines.push(message ?? "") };
      const first = await started(requested, cacheDir, logger);
      await query(first.url, "CREATE TABLE kept (label TEXT)");
      await query(first.url, "INSERT INTO kept VALUES ('in a private place')");
      if (isRoot) {
        expect(path.dirname(first.dataDir)).toBe(path.join(cacheDir, "data"));
        expect((await lstat(requested)).isSymbolicLink()).toBe(true);
        expect(await readlink(requested)).toBe(first.dataDir);
        // The user's private directory was left private.
        expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
        // One line says where the data and the binaries are, and why.
        expect(lines).toEqual([
          expect.stringMatching(
            new RegExp(
              `^embedded PostgreSQL started on 127\\.0\\.0\\.1:\\d+, data in ${first.dataDir} \\(${requested} links there: the postgres user \\(uid \\d+\\) cannot enter ${privateDir} \\(mode 0700\\)\\), binaries in ${first.binariesDir}$`,
            ),
          ),
        ]);
      } else {
        expect(first.dataDir).toBe(requested);
      }
      expect(await first.stop()).toMatchObject({ ok: true });

      const second = await started(requested, cacheDir);
      expect(second.dataDir).toBe(first.dataDir);
      expect(await query(second.url, "SELECT label FROM kept")).toEqual([{ label: "in a private place" }]);
    },
  );

  it(
    isRoot
      ? "as root, the binaries are staged once into the cache directory and reused on a second start"
      : "as an ordinary user, the binaries run from where they are installed, on every start",
    async () => {
      const cacheDir = await freshCache("cache-reuse");
      const first = await started(path.join(root, "reuse", "pg"), cacheDir);
      const postgres = path.join(first.binariesDir, "bin", "postgres");
      const before = await stat(postgres);
      expect(await first.stop()).toMatchObject({ ok: true });

      const second = await started(path.join(root, "reuse", "pg"), cacheDir);
      expect(second.binariesDir).toBe(first.binariesDir);
      const after = await stat(postgres);
      expect({ ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({
        ino: before.ino,
        mtimeMs: before.mtimeMs,
      });
      if (isRoot) {
        expect(path.dirname(first.binariesDir)).toBe(cacheDir);
        expect(before.mode & 0o777).toBe(0o755);
        // One copy and nothing half-made beside it.
        expect((await readdir(cacheDir)).sort()).toEqual([path.basename(first.binariesDir)]);
      } else {
        expect(await readdir(cacheDir)).toEqual([]);
      }
    },
  );

  it("two servers starting at once into an empty cache both start, sharing one copy of the binaries", async () => {
    const cacheDir = await freshCache("cache-race");
    const [a, b] = await Promise.all([
      started(path.join(root, "race", "a"), cacheDir),
      started(path.join(root, "race", "b"), cacheDir),
    ]);
    expect(a.binariesDir).toBe(b.binariesDir);
    expect(await query(a.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    expect(await query(b.url, "SELECT 2 AS two")).toEqual([{ two: 2 }]);
    if (isRoot) expect((await readdir(cacheDir)).sort()).toEqual([path.basename(a.binariesDir)]);
  });

  it(
    isRoot
      ? "as root, a staged copy that lost a file (as a temp cleaner leaves it) is replaced by a whole one"
      : "as an ordinary user, no copy of the binaries is made",
    async () => {
      const cacheDir = await freshCache("cache-cleaned");
      const dataDir = path.join(root, "cleaned", "pg");
      const first = await started(dataDir, cacheDir);
      expect(await first.stop()).toMatchObject({ ok: true });
      const postgres = path.join(first.binariesDir, "bin", "postgres");
      if (isRoot) await unlink(postgres);

      const second = await started(dataDir, cacheDir);
      expect(await query(second.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
      expect(second.binariesDir).toBe(first.binariesDir);
      expect((await stat(postgres)).isFile()).toBe(true);
      expect(await readdir(cacheDir)).toEqual(isRoot ? [path.basename(first.binariesDir)] : []);
    },
  );

  it(
    isRoot
      ? "as root, an existing cluster whose parent directory its owner cannot enter is refused, naming that directory and the fix"
      : "an existing cluster under a directory made private by its owner still starts",
    async () => {
      const cacheDir = await freshCache("cache-closed");
      const parent = path.join(root, "closed");
      await mkdir(parent, { mode: 0o755 });
      const dataDir = path.join(parent, "pg");
      const first = await started(dataDir, cacheDir);
      expect(await first.stop()).toMatchObject({ ok: true });
      await chmod(parent, 0o700);

      const result = await startEmbeddedPostgres({ dataDir, cacheDir });
      if (result.ok) running.push(result.value);
      if (isRoot) {
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(result.error.code).toBe("CONFIGURATION_ERROR");
          expect(result.error.message).toMatch(
            new RegExp(
              `^the postgres user \\(uid \\d+\\) cannot enter ${parent} \\(mode 0700\\), so the embedded PostgreSQL cannot use its data directory ${dataDir}: pass --data-dir under a directory that user can reach`,
            ),
          );
        }
      } else {
        expect(result.ok).toBe(true);
      }
    },
  );
});
