import type { SqlDialect } from "@certs/db";

/** One statement straight on the driver's connection (mysql2's callback connection or pg's client), no ORM layer. */
export type DriverQuery = (
  sql: string,
  parameters: readonly unknown[],
) => Promise<{ rows: Record<string, unknown>[]; affected: number }>;

/** The statement runner for a connection that TypeORM's query runner handed out (`runner.connect()`). */
export function driverQuery(connection: unknown, dialect: SqlDialect): DriverQuery {
  return dialect === "mysql" ? mysqlQuery(connection) : postgresQuery(connection);
}

interface MysqlCallbackConnection {
  query(
    options: { sql: string; values: readonly unknown[] },
    callback: (error: Error | null, result: unknown) => void,
  ): unknown;
}

interface PostgresClient {
  query(
    sql: string,
    values: readonly unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

function mysqlQuery(connection: unknown): DriverQuery {
  const mysql = connection as MysqlCallbackConnection;
  return (sql, parameters) =>
    new Promise((resolve, reject) => {
      mysql.query({ sql, values: parameters }, (error, result) => {
        if (error !== null) {
          reject(error);
        } else if (Array.isArray(result)) {
          resolve({ rows: result as Record<string, unknown>[], affected: 0 });
        } else {
          const affected = (result as { affectedRows?: number } | null)?.affectedRows ?? 0;
          resolve({ rows: [], affected });
        }
      });
    });
}

function postgresQuery(connection: unknown): DriverQuery {
  const client = connection as PostgresClient;
  return async (sql, parameters) => {
    const result = await client.query(sql, parameters);
    return { rows: result.rows, affected: result.rowCount ?? 0 };
  };
}
