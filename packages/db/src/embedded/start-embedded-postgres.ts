import path from "node:path";
import { appError, err, ok, type Result } from "@certs/result";
import { formatConnectionUrl, type PostgresConnectionSpec } from "../connection-url.js";
import { silentLogger, type Logger } from "../logger.js";
import { ensureDatabase, waitUntilReady } from "./admin-client.js";
import { packagedBinaries, stageBinaries } from "./binaries.js";
import { refuseIfInUse } from "./data-dir-lock.js";
import { placeDataDir, removeRelocationLink, type DataDirPlacement } from "./data-dir-placement.js";
import { prepareDataDir, SUPERUSER } from "./data-dir.js";
import { freeLoopbackPort, hasExited, logTail, spawnServer, stopOnce, summary } from "./server-process.js";
import { describeUser } from "./system-user.js";

/** Settings for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** The cluster's directory: created and initialised on first use, reused (data kept) afterwards. */
  readonly dataDir: string;
  /** Loopback port to listen on; default: a free one chosen at start. */
  readonly port?: number;
  /** Database to connect to, created if missing; default `certs`. */
  readonly database?: string;
  /** Told when the server starts (where its data and binaries are) and stops. */
  readonly logger?: Logger;
  /** How long to wait for the server to accept connections; default 60 s. */
  readonly startTimeoutMs?: number;
  /**
   * As root only: where the binaries are staged and clusters are placed that the server's user could
   * not reach where asked; default `/var/tmp/certs-embedded-postgres`, else the same in the temp directory.
   */
  readonly cacheDir?: string;
}

/** A running embedded PostgreSQL. */
export interface EmbeddedPostgres {
  /** Connects to the server as its superuser `postgres`, on 127.0.0.1. */
  readonly spec: PostgresConnectionSpec;
  /** The same as a URL; it contains the password, so redact it before showing it. */
  readonly url: string;
  /** Where the data lives, absolute: the requested directory, or (as root) where it links to. */
  readonly dataDir: string;
  /** The PostgreSQL installation the server runs from (`bin/`, `lib/`, `share/`). */
  readonly binariesDir: string;
  /** The server's process id. */
  readonly pid: number;
  /** Shuts the server down (fast: open transactions roll back) and waits until its process has exited; calling it again does nothing. */
  stop(): Promise<Result<void>>;
}

/**
 * Starts PostgreSQL (the binaries shipped by the `embedded-postgres` package, an optional peer
 * dependency) on 127.0.0.1, with its data in `dataDir`. The first start initialises the cluster
 * (superuser `postgres`, a random password kept in the directory); later starts reuse it, data included.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the cluster's owner, or for a new
 * cluster as the system user `postgres` (created if missing). That user gets a copy of the binaries it
 * can reach (staged once per version in the cache directory), and a new cluster whose requested place it
 * cannot reach (a checkout under `/root`, a `mktemp -d` directory) is put under the cache directory with
 * `dataDir` a link to it; one log line says where both are. An existing cluster out of its owner's reach
 * is refused with a CONFIGURATION_ERROR naming the directory that shuts it out.
 *
 * A directory whose server is still running (its `postmaster.pid` names a live process) is refused with
 * a CONFIGURATION_ERROR naming that process. Other failures carry the server's last log lines. The
 * server runs in its own process group, so a Ctrl+C at the terminal reaches the app, which decides when
 * to `stop()`; if the process exits without stopping it, it is asked for a fast shutdown then.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<Result<EmbeddedPostgres>> {
  const logger = options.logger ?? silentLogger;
  const database = options.database ?? "certs";

  const packaged = await packagedBinaries();
  if (!packaged.ok) return packaged;
  const requested = path.resolve(options.dataDir);
  const placement = await placeDataDir(requested, {
    asRoot: process.getuid?.() === 0,
    cacheDir: options.cacheDir,
  });
  if (!placement.ok) return placement;
  const { dataDir, user, cacheDir } = placement.value;
  const binaries =
    cacheDir === undefined ? ok(packaged.value) : await stageBinaries(packaged.value, cacheDir);
  if (!binaries.ok) return binaries;

  const prepared = await prepareDataDir(dataDir, binaries.value.initdb, user);
  if (!prepared.ok) {
    await removeRelocationLink(placement.value);
    return prepared;
  }
  const inUse = await refuseIfInUse(dataDir);
  if (!inUse.ok) return inUse;

  const port = options.port ?? (await freeLoopbackPort());
  const spec: PostgresConnectionSpec = {
    kind: "postgres",
    host: "127.0.0.1",
    port,
    user: SUPERUSER,
    password: prepared.value,
    database,
  };
  const server = await spawnServer(binaries.value.postgres, dataDir, port, user);
  if (!server.ok) return server;
  const child = server.value;
  const stop = stopOnce(child, logger, dataDir);

  const admin = { ...spec, database: "postgres" };
  const ready = await waitUntilReady(() => hasExited(child), admin, options.startTimeoutMs ?? 60_000);
  if (!ready.ok) {
    await stop();
    const lockedMeanwhile = await refuseIfInUse(dataDir);
    if (!lockedMeanwhile.ok) return lockedMeanwhile;
    const log = await logTail(dataDir);
    const hint =
      user !== undefined && log.some((line) => /permission denied/i.test(line))
        ? ` (it runs as ${describeUser(user)}, which must be able to reach that directory)`
        : "";
    return err(
      appError(ready.error, `the embedded PostgreSQL in ${dataDir} did not start${hint}: ${summary(log)}`, {
        details: { dataDir, port, log },
      }),
    );
  }

  const created = await ensureDatabase(admin, database);
  if (!created.ok) {
    await stop();
    return created;
  }
  logger.info(
    { dataDir, binariesDir: binaries.value.dir, port, pid: child.pid },
    startedMessage(requested, placement.value, binaries.value.dir, port),
  );
  return ok({
    spec,
    url: formatConnectionUrl(spec),
    dataDir,
    binariesDir: binaries.value.dir,
    pid: child.pid,
    stop,
  });
}

/** The one line that says where the server listens, where its data is and what it runs. */
function startedMessage(
  requested: string,
  placement: DataDirPlacement,
  binariesDir: string,
  port: number,
): string {
  const moved = placement.relocated;
  const link = requested === placement.dataDir ? "" : ` (${requested} links there)`;
  const where = moved === undefined ? link : ` (${moved.from} links there: ${moved.because})`;
  return `embedded PostgreSQL started on 127.0.0.1:${port}, data in ${placement.dataDir}${where}, binaries in ${binariesDir}`;
}
