import { execFile } from "node:child_process";
import { chmod, chown, mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDataSource } from "../src/data-source.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../src/embedded/index.js";
import { silentLogger, type Logger } from "../src/logger.js";
import { createPgPool } from "../src/pg-pool.js";

const isRoot = process.getuid?.() === 0;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why `user` cannot run `file`, or undefined if it can. Root passes every access() check, so this tries
 * to run it as that user, and on failure names the first directory or file whose mode bits shut it out.
 */
async function whyNotRunnableBy(
  user: { uid: number; gid: number },
  file: string,
): Promise<string | undefined> {
  const failure = await new Promise<Error | null>((resolve) => {
    execFile(file, ["--version"], { ...user, cwd: "/", timeout: 30_000 }, (error) => resolve(error));
  });
  if (failure === null) return undefined;
  const target = await realpath(file);
  const steps = target
    .split(path.sep)
    .map((_, index, parts) => parts.slice(0, index + 1).join(path.sep) || "/");
  for (const step of steps) {
    const info = await stat(step);
    const bits = info.uid === user.uid ? info.mode >> 6 : info.gid === user.gid ? info.mode >> 3 : info.mode;
    if ((bits & 0o1) === 0) {
      const what = step === target ? "the binary" : "the directory";
      return `${what} ${step} has mode ${(info.mode & 0o777).toString(8)} (owner uid ${info.uid}), which gives uid ${user.uid} no execute permission (${failure.message})`;
    }
  }
  return failure.message;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("startEmbeddedPostgres", () => {
  let root: string;
  const running: EmbeddedPostgres[] = [];

  async function started(dataDir: string): Promise<EmbeddedPostgres> {
    const result = await startEmbeddedPostgres({ dataDir });
    if (!result.ok) throw new Error(`expected a start, got: ${result.error.message}`);
    running.push(result.value);
    return result.value;
  }

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "certs-db-embedded-"));
    // As root the server runs as the 'postgres' user, which must be able to reach the data directory.
    await chmod(root, 0o755);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("initialises a new directory, and keeps the data across a stop and a second start", async () => {
    const dataDir = path.join(root, "persist", "pg");
    const first = await started(dataDir);
    expect(first.dataDir).toBe(dataDir);
    expect(first.spec).toMatchObject({ kind: "postgres", host: "127.0.0.1", database: "certs" });
    await query(first.url, "CREATE TABLE kept (id INT PRIMARY KEY, label TEXT)");
    await query(first.url, "INSERT INTO kept VALUES (1, 'survives a restart')");
    expect(await first.stop()).toMatchObject({ ok: true });

    const second = await started(dataDir);
    expect(second.spec.password).toBe(first.spec.password);
    expect(await query(second.url, "SELECT id, label FROM kept")).toEqual([
      { id: 1, label: "survives a restart" },
    ]);
  });

  it("listens on the port it is given", async () => {
    const port = await freeLoopbackPort();
    const result = await startEmbeddedPostgres({ dataDir: path.join(root, "fixed-port"), port });
    if (!result.ok) throw new Error(result.error.message);
    running.push(result.value);
    expect(result.value.spec.port).toBe(port);
    expect(await query(result.value.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("refuses a second start on a directory in use, naming the directory and the process", async () => {
    const dataDir = path.join(root, "shared");
    const first = await started(dataDir);
    const second = await startEmbeddedPostgres({ dataDir });
    expect(second.ok).toBe(false);
    if (!second.ok) {
      expect(second.error.code).toBe("CONFIGURATION_ERROR");
      expect(second.error.message).toBe(
        `the embedded PostgreSQL data directory ${dataDir} is in use by process ${first.pid}; stop it or pass another --data-dir`,
      );
    }
    // The first server was left alone.
    expect(await query(first.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("leaves no server process and no lock file after stop, and a second stop does nothing", async () => {
    const dataDir = path.join(root, "stopped");
    const server = await started(dataDir);
    expect(isRunning(server.pid)).toBe(true);
    expect(await server.stop()).toMatchObject({ ok: true });
    expect(isRunning(server.pid)).toBe(false);
    await expect(stat(path.join(dataDir, "postmaster.pid"))).rejects.toThrow();
    expect(await server.stop()).toMatchObject({ ok: true });
  });

  it("refuses a non-empty directory that holds no cluster, without touching it", async () => {
    const dataDir = path.join(root, "not-a-cluster");
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, "notes.txt"), "mine");
    const result = await startEmbeddedPostgres({ dataDir });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("CONFIGURATION_ERROR");
      expect(result.error.message).toContain(`${dataDir} is not empty and holds no PostgreSQL cluster`);
    }
    expect(await readFile(path.join(dataDir, "notes.txt"), "utf8")).toBe("mine");
  });

  it("reports a port already taken with the server's own words", async () => {
    const holder = await started(path.join(root, "port-holder"));
    const result = await startEmbeddedPostgres({
      dataDir: path.join(root, "port-taker"),
      port: holder.spec.port,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toContain("did not start");
      expect(result.error.message).toMatch(/could not bind|Address already in use/);
    }
  });

  it("stopping the server right after closing a pool and a DataSource logs no warning about their connections", async () => {
    const server = await started(path.join(root, "quiet-stop"));
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_fields, message) => void warnings.push(message ?? "") };
    const pool = createPgPool(server.spec, { poolSize: 5, logger });
    const dataSource = await openDataSource(server.spec, { poolSize: 5, logger });
    if (!pool.ok || !dataSource.ok) throw new Error("could not connect to the embedded server");
    // Five connections each, idle in their pools when they are closed.
    await Promise.all(Array.from({ length: 5 }, () => pool.value.query("SELECT pg_sleep(0.05)")));
    await Promise.all(Array.from({ length: 5 }, () => dataSource.value.query("SELECT pg_sleep(0.05)")));
    await pool.value.end();
    await dataSource.value.destroy();
    expect(await server.stop()).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(warnings).toEqual([]);
  });

  /** Runs embedded-postgres-child.ts through tsx (sources, with @certs/result mapped to its source too). */
  async function runChild(
    args: string[],
    options: { cwd: string; uid?: number; gid?: number },
  ): Promise<object> {
    const tsconfig = path.join(root, "tsconfig.child.json");
    const resultSource = fileURLToPath(new URL("../../result/src/index.ts", import.meta.url));
    await writeFile(
      tsconfig,
      JSON.stringify({ compilerOptions: { paths: { "@certs/result": [resultSource] } } }),
    );
    await chmod(tsconfig, 0o644);
    const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
    const child = fileURLToPath(new URL("./embedded-postgres-child.ts", import.meta.url));
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [tsxCli, "--tsconfig", tsconfig, child, ...args],
        {
          ...options,
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: options.cwd },
          timeout: 120_000,
        },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    return JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as object;
  }

  it(
    isRoot
      ? "works for an ordinary user (a child process running as 'nobody')"
      : `works for an ordinary user (a child process running as ${userInfo().username})`,
    async () => {
      const userDir = path.join(root, "ordinary-user");
      await mkdir(userDir);
      const nobody = { uid: 65534, gid: 65534 };
      if (isRoot) {
        // The child runs this very node binary as nobody; a node installed under a private (0700) directory fails with a bare EACCES.
        const blocked = await whyNotRunnableBy(nobody, process.execPath);
        if (blocked !== undefined) {
          throw new Error(
            `this test runs ${process.execPath} as 'nobody' (uid ${nobody.uid}), which cannot execute it: ${blocked}. ` +
              "Install node where every user can read and execute it (for example chmod 755 on the directory it was installed into).",
          );
        }
        await chown(userDir, nobody.uid, nobody.gid);
      }
      const report = (await runChild([path.join(userDir, "pg")], {
        cwd: userDir,
        ...(isRoot ? nobody : {}),
      })) as {
        failed?: string;
        uid?: number;
        pids?: number[];
        rows?: string[];
      };
      expect(report.failed).toBeUndefined();
      expect(report.uid).toBe(isRoot ? nobody.uid : process.getuid?.());
      expect(report.rows).toEqual(["written by an ordinary user"]);
      for (const pid of report.pids ?? []) expect(isRunning(pid)).toBe(false);
    },
  );

  it("shuts the server down when the process that started it exits without calling stop()", async () => {
    const dataDir = path.join(root, "forgotten");
    const report = (await runChild([dataDir, "forget"], { cwd: root })) as { failed?: string; pid?: number };
    expect(report.failed).toBeUndefined();
    expect(report.pid).toBeGreaterThan(0);
    // The child process has exited (execFile returned); the server releases its lock file as it shuts down.
    await expect
      .poll(
        () =>
          stat(path.join(dataDir, "postmaster.pid")).then(
            () => "locked",
            () => "released",
          ),
        {
          timeout: 30_000,
        },
      )
      .toBe("released");
    const again = await started(dataDir);
    expect(await query(again.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });
});
