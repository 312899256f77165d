// Run in a child process by embedded-postgres.test.ts. `DATA_DIR`: starts the embedded PostgreSQL there,
// writes a row, restarts it, reads the row back, stops, and prints one JSON line (run as an ordinary
// user). `DATA_DIR forget`: starts it, prints its pid and ends without calling stop().
import pg from "pg";
import { startEmbeddedPostgres } from "../src/embedded/index.js";

async function main(dataDir: string): Promise<object> {
  const first = await startEmbeddedPostgres({ dataDir });
  if (!first.ok) return { failed: first.error.message };
  const client = new pg.Client({ connectionString: first.value.url });
  await client.connect();
  await client.query("CREATE TABLE note (body TEXT)");
  await client.query("INSERT INTO note VALUES ('written by an ordinary user')");
  await client.end();
  const stopped = await first.value.stop();
  if (!stopped.ok) return { failed: stopped.error.message };

  const second = await startEmbeddedPostgres({ dataDir });
  if (!second.ok) return { failed: second.error.message };
  const reader = new pg.Client({ connectionString: second.value.url });
  await reader.connect();
  const { rows } = await reader.query<{ body: string }>("SELECT body FROM note");
  await reader.end();
  await second.value.stop();
  return {
    uid: process.getuid?.(),
    pids: [first.value.pid, second.value.pid],
    rows: rows.map((row) => row.body),
  };
}

async function startAndForget(dataDir: string): Promise<object> {
  const started = await startEmbeddedPostgres({ dataDir });
  return started.ok ? { pid: started.value.pid } : { failed: started.error.message };
}

const [dataDir, mode] = process.argv.slice(2);
if (dataDir === undefined) throw new Error("usage: embedded-postgres-child.ts DATA_DIR [forget]");
const report = mode === "forget" ? await startAndForget(dataDir) : await main(dataDir);
process.stdout.write(`${JSON.stringify(report)}\n`);
