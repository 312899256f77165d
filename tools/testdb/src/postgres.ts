import { formatConnectionUrl } from "@certs/db";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@certs/db/embedded";
import { chmodSync } from "node:fs";
import path from "node:path";
import type { ServerHandle } from "./server-handle.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
}

/**
 * Starts a throwaway PostgreSQL in `dir` on 127.0.0.1:`port`: the same embedded server the apps use
 * (`@certs/db`), so the suite also exercises it. Restarts reuse the data directory and the port.
 */
export async function startPostgres(
  dir: string,
  port: number,
  log: (line: string) => void,
): Promise<ServerHandle> {
  const dataDir = path.join(dir, "data");
  // As root the server runs as the system user `postgres`, which must be able to reach the directory.
  chmodSync(dir, 0o755);
  let server: EmbeddedPostgres | undefined;

  async function start(): Promise<void> {
    const started = await startEmbeddedPostgres({ dataDir, port, database: "postgres" });
    if (!started.ok) {
      log(`postgres: ${started.error.message}`);
      throw new Error(started.error.message);
    }
    server = started.value;
  }
  await start();
  const adminUrl = formatConnectionUrl(server!.spec);

  return {
    kind: "postgres",
    port,
    dir,
    adminUrl,
    pid: () => server?.pid,
    start,
    async stop() {
      await server?.stop();
    },
    async kill() {
      if (!server) return;
      const pid = server.pid;
      process.kill(pid, "SIGKILL");
      await waitGone(pid);
      // Backends notice their postmaster is gone and exit; a restart needs their shared memory released.
      await new Promise((resolve) => setTimeout(resolve, 500));
    },
  };
}
