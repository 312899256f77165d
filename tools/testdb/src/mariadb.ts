import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import mysql from "mysql2/promise";
import type { ServerHandle } from "./server-handle.js";

/** The account the test suite uses on its own MariaDB; the password only guards a throwaway loopback server. */
export const MARIADB_USER = "certs";
export const MARIADB_PASSWORD = "certs-test-pw";

const SEARCH_PATH = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/usr/local/mysql/bin"];

function findBinary(name: string): string | undefined {
  const dirs = [...SEARCH_PATH, ...(process.env.PATH ?? "").split(path.delimiter)];
  return dirs.map((dir) => path.join(dir, name)).find((candidate) => existsSync(candidate));
}

const INSTALL_HINT =
  "MariaDB's server binary `mariadbd` was not found. Install it with `sudo apt-get install mariadb-server` " +
  "(Debian/Ubuntu; `dnf install mariadb-server` on Fedora, `brew install mariadb` on macOS), " +
  "or point the tests at a server you run with CERTS_TEST_MYSQL_URL=mysql://user:password@host:port/";

/**
 * Finds `mariadbd`, installing Debian's mariadb-server with apt when it is missing and we may
 * (root, or sudo without a password). Throws with exactly what to install otherwise.
 */
export function ensureMariaDbInstalled(log: (line: string) => void): { server: string; installDb: string } {
  let server = findBinary("mariadbd");
  if (!server) {
    const isRoot = process.getuid?.() === 0;
    const sudo = !isRoot && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0;
    if (!isRoot && !sudo) throw new Error(INSTALL_HINT);
    log("mariadbd not found: installing mariadb-server with apt-get (one time)...");
    const prefix = isRoot ? [] : ["sudo", "-n"];
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    for (const args of [
      ["apt-get", "update"],
      ["apt-get", "install", "-y", "--no-install-recommends", "mariadb-server"],
    ]) {
      const all = [...prefix, ...args];
      const result = spawnSync(all[0]!, all.slice(1), { stdio: "inherit", env });
      if (result.status !== 0) throw new Error(`\`${all.join(" ")}\` failed. ${INSTALL_HINT}`);
    }
    server = findBinary("mariadbd");
    if (!server) throw new Error(INSTALL_HINT);
  }
  const installDb = findBinary("mariadb-install-db") ?? findBinary("mysql_install_db");
  if (!installDb) throw new Error(`mariadb-install-db was not found next to ${server}. ${INSTALL_HINT}`);
  return { server, installDb };
}

async function waitForSocket(socketPath: string, child: ChildProcess, errorLog: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = existsSync(errorLog)
        ? readFileSync(errorLog, "utf8").split("\n").slice(-15).join("\n")
        : "";
      throw new Error(`mariadbd exited during start-up (code ${child.exitCode}):\n${tail}`);
    }
    try {
      const connection = await mysql.createConnection({ socketPath, user: "root" });
      await connection.end();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`mariadbd did not accept connections within 60 s: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts a throwaway MariaDB server in `dir` on 127.0.0.1:`port`, with a password account that
 * may create databases. The data directory is initialised on first start and reused on restart.
 * `extraArgs` go to `mariadbd` after the defaults (e.g. `--server-id=2`, `--log-bin` for replication).
 */
export async function startMariaDb(
  dir: string,
  port: number,
  log: (line: string) => void,
  extraArgs: readonly string[] = [],
): Promise<ServerHandle> {
  const { server, installDb } = ensureMariaDbInstalled(log);
  const dataDir = path.join(dir, "data");
  const socketPath = path.join(dir, "mysqld.sock");
  const errorLog = path.join(dir, "error.log");
  const asRoot = process.getuid?.() === 0;
  let child: ChildProcess | undefined;

  if (!existsSync(dataDir)) {
    mkdirSync(dataDir, { recursive: true });
    const init = spawnSync(
      installDb,
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        ...(asRoot ? ["--user=root"] : []),
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
        "--skip-name-resolve",
      ],
      { encoding: "utf8" },
    );
    if (init.status !== 0) throw new Error(`mariadb-install-db failed:\n${init.stdout}\n${init.stderr}`);
  }

  async function start(): Promise<void> {
    child = spawn(
      server!,
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        `--socket=${socketPath}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        `--pid-file=${path.join(dir, "mysqld.pid")}`,
        `--log-error=${errorLog}`,
        "--skip-name-resolve",
        "--max-connections=1000",
        "--innodb-buffer-pool-size=256M",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
        ...(asRoot ? ["--user=root"] : []),
        ...extraArgs,
      ],
      { stdio: "ignore" },
    );
    try {
      await waitForSocket(socketPath, child, errorLog);
    } catch (error) {
      child.kill("SIGKILL");
      await waitForExit(child);
      throw error;
    }
  }

  await start();
  try {
    const setup = await mysql.createConnection({ socketPath, user: "root", multipleStatements: true });
    await setup.query(
      `CREATE USER IF NOT EXISTS '${MARIADB_USER}'@'%' IDENTIFIED BY '${MARIADB_PASSWORD}';` +
        `GRANT ALL PRIVILEGES ON *.* TO '${MARIADB_USER}'@'%' WITH GRANT OPTION;`,
    );
    await setup.end();
  } catch (error) {
    child?.kill("SIGKILL");
    if (child) await waitForExit(child);
    throw error;
  }

  return {
    kind: "mysql",
    port,
    dir,
    adminUrl: `mysql://${MARIADB_USER}:${MARIADB_PASSWORD}@127.0.0.1:${port}/`,
    pid: () => child?.pid,
    start,
    async stop() {
      if (!child) return;
      child.kill("SIGTERM");
      await waitForExit(child);
    },
    async kill() {
      if (!child) return;
      child.kill("SIGKILL");
      await waitForExit(child);
    },
  };
}
