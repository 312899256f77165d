import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.js";
import { startMariaDb } from "./mariadb.js";
import { startPostgres } from "./postgres.js";
import type { ServerHandle } from "./server-handle.js";

export type ServerKind = "mysql" | "postgres";

const REAPER = fileURLToPath(new URL("./reaper.mjs", import.meta.url));

/** A started server plus the watchdog that removes it if this process dies without cleaning up. */
export interface ManagedServer extends ServerHandle {
  /** Stops the server, its watchdog, and removes its directory. */
  dispose(): Promise<void>;
}

/** Settings of {@link startServer}. */
export interface StartServerOptions {
  /** Extra `mariadbd` arguments (MariaDB only), e.g. a server id and binary log for replication. */
  readonly mariadbArgs?: readonly string[];
}

/**
 * Starts a throwaway server of `kind` in a fresh temp directory on a free loopback port, guarded by
 * a detached watchdog so it is stopped even when this process is SIGKILLed or interrupted.
 */
export async function startServer(
  kind: ServerKind,
  log: (line: string) => void = () => {},
  options: StartServerOptions = {},
): Promise<ManagedServer> {
  let lastError: unknown;
  // A start can lose a race on its port with another process, or trip on a slow machine: try afresh.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(path.join(tmpdir(), `certs-testdb-${kind}-`));
    let server: ServerHandle;
    try {
      const port = await freePort();
      server =
        kind === "mysql"
          ? await startMariaDb(dir, port, log, options.mariadbArgs)
          : await startPostgres(dir, port, log);
    } catch (error) {
      lastError = error;
      log(`${kind} did not start (attempt ${attempt + 1} of 3): ${String(error).split("\n")[0]}`);
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    const reaper = spawn(process.execPath, [REAPER, String(process.pid), dir, String(server.pid() ?? 0)], {
      detached: true,
      stdio: "ignore",
    });
    reaper.unref();
    return {
      ...server,
      async dispose() {
        await server.stop().catch(() => server.kill());
        reaper.kill("SIGTERM");
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
