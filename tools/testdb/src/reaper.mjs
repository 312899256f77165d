// Watchdog for throwaway database servers: runs detached, and when the process that started the
// servers is gone (finished, crashed, SIGKILLed or interrupted) it stops the servers and removes
// their directory. Plain JavaScript so it runs with bare `node`, without a TypeScript loader.
// Usage: node reaper.mjs <watched pid> <directory to remove> <server pid>...
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const [watched, directory, ...servers] = process.argv.slice(2);
const watchedPid = Number(watched);
const givenPids = servers.map(Number);

// A server restarted by a test has a new pid: read the current ones from the pid files too.
function serverPidsNow() {
  const fromFiles = ["mysqld.pid", "data/postmaster.pid"]
    .map((name) => path.join(directory ?? "", name))
    .filter((file) => directory && existsSync(file))
    .map((file) => Number(readFileSync(file, "utf8").split("\n")[0]));
  return [...new Set([...givenPids, ...fromFiles])].filter((pid) => Number.isInteger(pid) && pid > 0);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function cleanUp() {
  const serverPids = serverPidsNow();
  for (const pid of serverPids) signal(pid, "SIGTERM");
  const deadline = Date.now() + 10_000;
  while (serverPids.some(alive) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const pid of serverPids) if (alive(pid)) signal(pid, "SIGKILL");
  if (directory) rmSync(directory, { recursive: true, force: true });
  process.exit(0);
}

process.on("SIGTERM", () => void cleanUp());
process.on("SIGINT", () => void cleanUp());
const timer = setInterval(() => {
  if (!alive(watchedPid)) {
    clearInterval(timer);
    void cleanUp();
  }
}, 250);
