import { spawn, type ChildProcess } from "node:child_process";
import { open, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { Logger } from "../logger.js";
import { configurationError, messageOf } from "./embedded-error.js";
import type { SystemUser } from "./run-command.js";

// The server's output of its latest run, for error messages and for the curious.
const LOG_FILE = "certs-postgres.log";
const STOP_TIMEOUT_MS = 30_000;

/** A spawned server process (its pid is known once spawning succeeded). */
export type ServerProcess = ChildProcess & { readonly pid: number };

/** Starts `postgres` on `dataDir` (as `user` when given), listening on 127.0.0.1:`port` only. */
export async function spawnServer(
  postgres: string,
  dataDir: string,
  port: number,
  user: SystemUser | undefined,
): Promise<Result<ServerProcess>> {
  let log;
  try {
    log = await open(path.join(dataDir, LOG_FILE), "w", 0o600);
  } catch (error) {
    return configurationError(
      `cannot write ${LOG_FILE} in the embedded PostgreSQL data directory ${dataDir}`,
      dataDir,
      error,
    );
  }
  try {
    if (user !== undefined) await log.chown(user.uid, user.gid);
    const child = spawn(
      postgres,
      // TCP on loopback only and no Unix socket: nothing to clash with a system PostgreSQL.
      [
        "-D",
        dataDir,
        "-p",
        String(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
      ],
      {
        // Another user may not be able to enter this process's working directory.
        ...(user === undefined ? {} : { uid: user.uid, gid: user.gid, cwd: "/" }),
        // Its own process group: a terminal's Ctrl+C goes to the app, which stops the server when it is ready to.
        detached: true,
        stdio: ["ignore", log.fd, log.fd],
        env: { LC_ALL: "C" },
      },
    );
    if (child.pid === undefined) {
      const spawnError = await new Promise<unknown>((resolve) => child.once("error", resolve));
      return err(
        appError(ErrorCode.CONFIGURATION_ERROR, `could not run ${postgres}: ${messageOf(spawnError)}`, {
          cause: spawnError,
        }),
      );
    }
    // A failing kill() emits 'error'; unhandled, that would crash the process.
    child.on("error", () => {});
    // The server must not keep this process alive: an app that forgets stop() still exits (see stopServersOnExit).
    child.unref();
    stopServersOnExit.add(child);
    return ok(child as ServerProcess);
  } finally {
    await log.close();
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** The server's `stop()`: the first call shuts it down, later ones wait for that and change nothing. */
export function stopOnce(child: ServerProcess, logger: Logger, dataDir: string): () => Promise<Result<void>> {
  let stopping: Promise<Result<void>> | undefined;
  return () => {
    stopping ??= (async () => {
      const stopped = await stopProcess(child);
      stopServersOnExit.delete(child);
      if (stopped.ok) logger.info({ dataDir, pid: child.pid }, "embedded PostgreSQL stopped");
      return stopped;
    })();
    return stopping;
  };
}

async function stopProcess(child: ChildProcess): Promise<Result<void>> {
  // SIGINT is PostgreSQL's "fast" shutdown: open transactions roll back, the data is checkpointed.
  for (const [signal, waitMs] of [
    ["SIGINT", STOP_TIMEOUT_MS],
    ["SIGKILL", 5_000],
  ] as const) {
    if (hasExited(child)) return ok(undefined);
    child.kill(signal);
    if (await exited(child, waitMs)) return ok(undefined);
  }
  return err(
    appError(ErrorCode.DATABASE_ERROR, `the embedded PostgreSQL (process ${child.pid}) did not stop`, {
      details: { pid: child.pid },
    }),
  );
}

function exited(child: ChildProcess, withinMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.removeListener("exit", onExit);
      resolve(false);
    }, withinMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once("exit", onExit);
  });
}

/**
 * Servers started here and not yet stopped. When the process exits without stopping them, each is asked
 * for a fast shutdown (SIGINT), which it completes on its own; an exit handler cannot wait for that.
 */
class ServersToStopOnExit {
  readonly #children = new Set<ChildProcess>();
  readonly #onExit = (): void => {
    for (const child of this.#children) {
      if (!hasExited(child)) child.kill("SIGINT");
    }
  };

  add(child: ChildProcess): void {
    if (this.#children.size === 0) process.on("exit", this.#onExit);
    this.#children.add(child);
  }

  delete(child: ChildProcess): void {
    this.#children.delete(child);
    if (this.#children.size === 0) process.removeListener("exit", this.#onExit);
  }
}

const stopServersOnExit = new ServersToStopOnExit();

/** The last lines the server wrote in its latest run. */
export async function logTail(dataDir: string): Promise<string[]> {
  try {
    const text = await readFile(path.join(dataDir, LOG_FILE), "utf8");
    return text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .slice(-20);
  } catch {
    return [];
  }
}

/** The lines of a server log that say what went wrong, without their timestamps. */
export function summary(log: readonly string[]): string {
  const untimed = log.map((line) => line.replace(/^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] /, ""));
  const problems = untimed.filter((line) =>
    /^(WARNING|ERROR|FATAL|PANIC|HINT|DETAIL):|^LOG:\s+could not/.test(line),
  );
  const chosen = (problems.length > 0 ? problems : untimed).slice(-4);
  return chosen.length > 0 ? chosen.join(" | ") : "it wrote no log";
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
