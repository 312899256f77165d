import mysql from "mysql2/promise";
import { MARIADB_PASSWORD, MARIADB_USER } from "./mariadb.js";
import { startServer, type ManagedServer } from "./servers.js";

/** One server of a {@link ReplicaPair}. */
export interface ReplicatedServer extends ManagedServer {
  /** URL of the `certs` database on this server (the same database on both). */
  readonly url: string;
}

/** A private MariaDB primary and a second `mariadbd` replicating it over the binary log (GTID). */
export interface ReplicaPair {
  /** Where tests write; every change reaches the replica through its binary log. */
  readonly primary: ReplicatedServer;
  /** Applies the primary's binary log; `SHOW REPLICA STATUS` on it reports the lag. */
  readonly replica: ReplicatedServer;
  /** `STOP SLAVE SQL_THREAD` on the replica: changes pile up in its relay log, its lag becomes unknown (NULL). */
  stopReplicaSql(): Promise<void>;
  /** `START SLAVE SQL_THREAD` on the replica: it applies what piled up and catches up. */
  startReplicaSql(): Promise<void>;
  /** Waits until the replica has applied everything the primary has written so far; throws after `timeoutMs`. */
  waitForReplicaSync(timeoutMs?: number): Promise<void>;
  /** Stops both servers and removes their directories. */
  dispose(): Promise<void>;
}

const PRIMARY_ARGS = ["--server-id=1", "--log-bin=primary-bin", "--binlog-format=ROW"];
const REPLICA_ARGS = ["--server-id=2", "--relay-log=replica-relay-bin", "--log-slave-updates=0"];

function withCertsDatabase(adminUrl: string): string {
  const url = new URL(adminUrl);
  url.pathname = "/certs";
  return url.toString();
}

async function onServer<T>(adminUrl: string, work: (db: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(adminUrl);
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

async function scalar(db: mysql.Connection, sql: string, values: unknown[] = []): Promise<unknown> {
  const [rows] = await db.query(sql, values);
  const first = (rows as Record<string, unknown>[])[0];
  return first === undefined ? undefined : Object.values(first)[0];
}

/**
 * Starts two throwaway `mariadbd`s: a primary with a binary log and a replica of it (its own server id,
 * `CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos`, `START SLAVE`), each with a `certs` database that the
 * replica receives through replication. Call `dispose()` in afterAll; watchdogs remove both if the test dies.
 */
export async function startReplicaPair(log: (line: string) => void = () => {}): Promise<ReplicaPair> {
  const primary = await startServer("mysql", log, { mariadbArgs: PRIMARY_ARGS });
  let replica: ManagedServer | undefined;
  try {
    replica = await startServer("mysql", log, { mariadbArgs: REPLICA_ARGS });
    // The replica starts at the primary's current position: its own set-up (the test account) is not replayed.
    const position = await onServer(primary.adminUrl, (db) => scalar(db, "SELECT @@GLOBAL.gtid_binlog_pos"));
    await onServer(replica.adminUrl, async (db) => {
      await db.query("SET GLOBAL gtid_slave_pos = ?", [String(position ?? "")]);
      await db.query(
        "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, " +
          "MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1",
        [primary.port, MARIADB_USER, MARIADB_PASSWORD],
      );
      await db.query("START SLAVE");
    });
    await onServer(primary.adminUrl, (db) =>
      db.query("CREATE DATABASE certs CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"),
    );
  } catch (error) {
    await replica?.dispose();
    await primary.dispose();
    throw error;
  }
  const replicaServer = replica;

  const waitForReplicaSync = async (timeoutMs = 30_000): Promise<void> => {
    const position = await onServer(primary.adminUrl, (db) => scalar(db, "SELECT @@GLOBAL.gtid_binlog_pos"));
    const waited = await onServer(replicaServer.adminUrl, (db) =>
      scalar(db, "SELECT MASTER_GTID_WAIT(?, ?)", [String(position ?? ""), timeoutMs / 1000]),
    );
    if (Number(waited) !== 0) {
      throw new Error(
        `the replica did not reach the primary's position ${String(position)} within ${timeoutMs} ms`,
      );
    }
  };
  const pair: ReplicaPair = {
    primary: { ...primary, url: withCertsDatabase(primary.adminUrl) },
    replica: { ...replicaServer, url: withCertsDatabase(replicaServer.adminUrl) },
    async stopReplicaSql() {
      await onServer(replicaServer.adminUrl, (db) => db.query("STOP SLAVE SQL_THREAD"));
    },
    async startReplicaSql() {
      await onServer(replicaServer.adminUrl, (db) => db.query("START SLAVE SQL_THREAD"));
    },
    waitForReplicaSync,
    async dispose() {
      await replicaServer.dispose();
      await primary.dispose();
    },
  };
  await waitForReplicaSync();
  return pair;
}
