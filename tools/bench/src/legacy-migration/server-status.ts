import mysql from "mysql2/promise";

/** Server counters that tell what a case cost MariaDB: statements (round trips) and disk work. */
export interface ServerCounters {
  /** Statements clients sent (`Questions`): one round trip each. */
  readonly statements: number;
  /** Pages read from disk because they were not in the buffer pool. */
  readonly diskReads: number;
  /** fsync() calls InnoDB made (one per commit with the default innodb_flush_log_at_trx_commit = 1). */
  readonly fsyncs: number;
}

const VARIABLES = {
  statements: "Questions",
  diskReads: "Innodb_buffer_pool_reads",
  fsyncs: "Innodb_data_fsyncs",
} as const;

/** The server's counters now (global, since it started). */
export async function readServerCounters(adminUrl: string): Promise<ServerCounters> {
  const connection = await mysql.createConnection(adminUrl);
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      `SHOW GLOBAL STATUS WHERE Variable_name IN (?)`,
      [Object.values(VARIABLES)],
    );
    const value = (name: string) =>
      Number(rows.find((row) => row["Variable_name"] === name)?.["Value"] ?? Number.NaN);
    return {
      statements: value(VARIABLES.statements),
      diskReads: value(VARIABLES.diskReads),
      fsyncs: value(VARIABLES.fsyncs),
    };
  } finally {
    await connection.end();
  }
}

/** What happened between two readings. */
export function countersBetween(before: ServerCounters, after: ServerCounters): ServerCounters {
  return {
    statements: after.statements - before.statements,
    diskReads: after.diskReads - before.diskReads,
    fsyncs: after.fsyncs - before.fsyncs,
  };
}
