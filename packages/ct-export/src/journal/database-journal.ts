import { databaseError, placeholder, transaction } from "@certs/db";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { DataSource, QueryRunner } from "typeorm";
import { deleteSql } from "../delete-sql.js";
import { driverQuery, type DriverQuery } from "../driver-query.js";
import type { CertsTableShape } from "../certs-table-columns.js";

/** The journal table, in the same database as the table it drains (one for every exported table). */
export const JOURNAL_TABLE = "ct_export_journal";

/** Where a journal entry's file lives: the output directory, on its host. */
export interface JournalPlace {
  readonly host: string;
  /** The output directory's real path. */
  readonly directory: string;
}

/**
 * An open entry: a batch recorded (committed) before its file was published; removed in the transaction that
 * deletes its rows, or when its file is known never to have been published.
 */
export interface DatabaseJournalEntry extends JournalPlace {
  /** `host~pid~start~run~sequence`: names the run that wrote it. */
  readonly batch: string;
  readonly ids: readonly string[];
  /** The name the file was first meant to be published under (for people reading the journal). */
  readonly fileName: string;
  /** The hidden temp file in `directory` whose second link proves the file was published. */
  readonly tempName: string;
}

const COLUMNS = "batch, source_table, first_id, last_id, ids, file_name, temp_name, directory, host";

/**
 * The exporters' journal in the database: the authority on which rows belong to a published (or possibly
 * published) file, whatever directory or machine wrote it. Entries are recorded on a connection the run keeps
 * for itself (claims hold the others while their files are written), one statement at a time; entries that
 * wait meanwhile are inserted together.
 */
export class DatabaseJournal {
  private runner: QueryRunner | undefined;
  /** The kept connection's driver, and the runner it belongs to. */
  private query: DriverQuery | undefined;
  private queryOf: QueryRunner | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private waiting: { entry: DatabaseJournalEntry; done: (result: Result<void, AppError>) => void }[] = [];

  private constructor(
    private readonly dataSource: DataSource,
    private readonly shape: CertsTableShape,
    readonly place: JournalPlace,
  ) {}

  /**
   * Creates the journal table if it is missing and checks, in a transaction rolled back, that this user may
   * insert, read and delete its entries. A user who may not is a CONFIGURATION_ERROR, before anything is
   * exported; transient failures are DATABASE_ERRORs (retryable).
   */
  static async open(
    dataSource: DataSource,
    shape: CertsTableShape,
    place: JournalPlace,
  ): Promise<Result<DatabaseJournal, AppError>> {
    const journal = new DatabaseJournal(dataSource, shape, place);
    const created = await journal.ensureTable();
    if (!created.ok) return created;
    const probe: DatabaseJournalEntry = {
      batch: `probe~${process.pid}~${Date.now()}`,
      ids: ["0"],
      fileName: "probe",
      tempName: "probe",
      ...place,
    };
    const probed = await transaction(
      dataSource,
      async (_manager, runner) => {
        const [insert, values] = journal.insertSql([probe]);
        await runner.query(insert, values);
        await runner.query(...journal.selectSql("batch = ", [probe.batch]));
        await runner.query(...journal.deleteEntrySql(probe.batch));
        return ok(undefined);
      },
      { dryRun: true },
    );
    if (!probed.ok) return err(refusal(probed.error, "write the export journal table"));
    // Taken now, before the claims take the rest of the pool.
    const runner = dataSource.createQueryRunner();
    try {
      await runner.connect();
    } catch (error) {
      await runner.release().catch(() => undefined);
      return err(databaseError(error, "could not open a connection for the export journal"));
    }
    journal.runner = runner;
    return ok(journal);
  }

  /** Records entries durably (committed); entries recorded while another statement runs go in one insert. */
  record(entry: DatabaseJournalEntry): Promise<Result<void, AppError>> {
    return new Promise((resolve) => {
      this.waiting.push({ entry, done: resolve });
      if (this.waiting.length === 1) {
        void this.serial(async () => {
          const group = this.waiting.splice(0);
          const outcome = await this.onKeptConnection(...this.insertSql(group.map((item) => item.entry)));
          for (const item of group) item.done(outcome.ok ? ok(undefined) : outcome);
        });
      }
    });
  }

  /** Removes an entry whose file was never published (its rows may be exported again). */
  forget(batch: string): Promise<Result<void, AppError>> {
    return this.serial(async () => {
      const removed = await this.onKeptConnection(...this.deleteEntrySql(batch));
      return removed.ok ? ok(undefined) : removed;
    });
  }

  /** Open entries of this table whose id range meets [low, high], parsed. */
  coveringSql(low: string, high: string): [string, unknown[]] {
    const mysql = this.shape.dialect === "mysql";
    const cast = (n: number) =>
      mysql ? placeholder("mysql", n) : `CAST(${placeholder("postgres", n)} AS BIGINT)`;
    return [
      `SELECT ${COLUMNS} FROM ${JOURNAL_TABLE} WHERE source_table = ${placeholder(this.shape.dialect, 1)} ` +
        `AND first_id <= ${cast(2)} AND last_id >= ${cast(3)}`,
      [this.shape.table, high, low],
    ];
  }

  /** The DELETE of one entry, for the transaction that deletes its rows. */
  deleteEntrySql(batch: string): [string, unknown[]] {
    return [`DELETE FROM ${JOURNAL_TABLE} WHERE batch = ${placeholder(this.shape.dialect, 1)}`, [batch]];
  }

  /** Open entries of this table in `place` (this directory on this host). */
  async entriesOf(place: JournalPlace): Promise<Result<DatabaseJournalEntry[], AppError>> {
    try {
      const rows = (await this.dataSource.query(
        ...this.selectSql("host = ", [place.host], "directory = ", [place.directory]),
      )) as Record<string, unknown>[];
      return ok(rows.map(toEntry));
    } catch (error) {
      return err(databaseError(error, `could not read the export journal ${JOURNAL_TABLE}`));
    }
  }

  /** Deletes a published entry's rows and the entry, in one transaction; returns the rows deleted. */
  async settlePublished(
    entry: Pick<DatabaseJournalEntry, "batch" | "ids">,
  ): Promise<Result<number, AppError>> {
    const settled = await transaction(
      this.dataSource,
      async (_manager, runner) => {
        let deleted = 0;
        if (entry.ids.length > 0) {
          const result = (await runner.query(...deleteSql(this.shape, entry.ids), true)) as {
            affected?: number;
          };
          deleted = result.affected ?? 0;
        }
        await runner.query(...this.deleteEntrySql(entry.batch));
        return ok(deleted);
      },
      { isolation: "READ COMMITTED" },
    );
    if (settled.ok) return settled;
    return err(
      databaseError(
        settled.error.cause ?? settled.error,
        `could not delete exported rows from ${this.shape.table}`,
      ),
    );
  }

  /** Hands the kept connection back to the pool, after the statements queued. */
  async close(): Promise<void> {
    await this.serial(async () => {
      await this.runner?.release().catch(() => undefined);
      this.runner = undefined;
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * One statement on the kept connection. A connection that failed is dropped and the next call opens another;
   * one the driver layer already let go of (after the server went away) is replaced at once.
   */
  private async onKeptConnection(sql: string, parameters: unknown[]): Promise<Result<void, AppError>> {
    for (let attempt = 1; ; attempt += 1) {
      if (this.runner?.isReleased === true) this.runner = undefined;
      const fresh = this.runner === undefined;
      const runner = (this.runner ??= this.dataSource.createQueryRunner());
      try {
        // Straight on the driver: TypeORM's per-statement logging and events cost more than the insert.
        if (this.query === undefined || this.queryOf !== runner) {
          this.query = driverQuery(await runner.connect(), this.shape.dialect);
          this.queryOf = runner;
        }
        await this.query(sql, parameters);
        return ok(undefined);
      } catch (error) {
        const released = runner.isReleased;
        this.runner = undefined;
        await runner.release().catch(() => undefined);
        if (released && !fresh && attempt === 1) continue;
        // TypeORM's refusal to use a runner it let go of after the server went away: a lost connection.
        const lost = released || /already released/i.test(error instanceof Error ? error.message : "");
        const cause = lost ? new Error("connection lost: the export journal's connection was closed") : error;
        return err(databaseError(cause, `could not write the export journal ${JOURNAL_TABLE}`));
      }
    }
  }

  private insertSql(entries: readonly DatabaseJournalEntry[]): [string, unknown[]] {
    const mysql = this.shape.dialect === "mysql";
    const values: unknown[] = [];
    const tuples = entries.map((entry) => {
      const row = [
        entry.batch,
        this.shape.table,
        entry.ids[0] ?? "0",
        entry.ids[entry.ids.length - 1] ?? "0",
        entry.ids.join(","),
        entry.fileName,
        entry.tempName,
        entry.directory,
        entry.host,
      ];
      return `(${row
        .map((value, column) => {
          values.push(value);
          const at = placeholder(this.shape.dialect, values.length);
          return !mysql && (column === 2 || column === 3) ? `CAST(${at} AS BIGINT)` : at;
        })
        .join(", ")})`;
    });
    // A retried insert that had committed before its connection broke finds its row there: not an error.
    const conflict = mysql ? " ON DUPLICATE KEY UPDATE batch = batch" : " ON CONFLICT (batch) DO NOTHING";
    return [`INSERT INTO ${JOURNAL_TABLE} (${COLUMNS}) VALUES ${tuples.join(", ")}${conflict}`, values];
  }

  private selectSql(...conditions: (string | unknown[])[]): [string, unknown[]] {
    const values: unknown[] = [this.shape.table];
    const where = [`source_table = ${placeholder(this.shape.dialect, 1)}`];
    for (let i = 0; i + 1 < conditions.length; i += 2) {
      const [value] = conditions[i + 1] as unknown[];
      values.push(value);
      where.push(`${String(conditions[i])}${placeholder(this.shape.dialect, values.length)}`);
    }
    return [`SELECT ${COLUMNS} FROM ${JOURNAL_TABLE} WHERE ${where.join(" AND ")}`, values];
  }

  private async ensureTable(): Promise<Result<void, AppError>> {
    const mysql = this.shape.dialect === "mysql";
    const exists = mysql
      ? "SELECT 1 AS present FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
      : "SELECT 1 AS present FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1";
    try {
      const found = (await this.dataSource.query(exists, [JOURNAL_TABLE])) as unknown[];
      if (found.length > 0) return ok(undefined);
      await this.dataSource.query(mysql ? MYSQL_DDL : POSTGRES_DDL);
      return ok(undefined);
    } catch (error) {
      const failure = databaseError(error, `could not create the export journal table ${JOURNAL_TABLE}`);
      return err(refusal(failure, "create the export journal table"));
    }
  }
}

/** Parses an entry row. */
export function toEntry(row: Record<string, unknown>): DatabaseJournalEntry {
  const ids = String(row["ids"] ?? "");
  return {
    batch: String(row["batch"]),
    ids: ids.length === 0 ? [] : ids.split(","),
    fileName: String(row["file_name"]),
    tempName: String(row["temp_name"]),
    directory: String(row["directory"]),
    host: String(row["host"]),
  };
}

const MYSQL_DDL =
  `CREATE TABLE IF NOT EXISTS ${JOURNAL_TABLE} (batch VARCHAR(255) CHARACTER SET ascii NOT NULL PRIMARY KEY, ` +
  "source_table VARCHAR(64) NOT NULL, first_id BIGINT NOT NULL, last_id BIGINT NOT NULL, ids MEDIUMTEXT NOT NULL, " +
  "file_name VARCHAR(255) NOT NULL, temp_name VARCHAR(512) NOT NULL, directory VARCHAR(2048) NOT NULL, " +
  "host VARCHAR(255) NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) " +
  "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
const POSTGRES_DDL =
  `CREATE TABLE IF NOT EXISTS ${JOURNAL_TABLE} (batch TEXT PRIMARY KEY, source_table TEXT NOT NULL, ` +
  "first_id BIGINT NOT NULL, last_id BIGINT NOT NULL, ids TEXT NOT NULL, file_name TEXT NOT NULL, " +
  "temp_name TEXT NOT NULL, directory TEXT NOT NULL, host TEXT NOT NULL, " +
  "created_at TIMESTAMPTZ NOT NULL DEFAULT now())";

/** A database refusal to let this user keep the journal: a CONFIGURATION_ERROR (transient failures stay as they are). */
function refusal(error: AppError, what: string): AppError {
  const details = error.details as { retryable?: unknown } | undefined;
  if (details?.retryable === true) return error;
  return appError(
    ErrorCode.CONFIGURATION_ERROR,
    `The database user may not ${what} ${JOURNAL_TABLE} (${error.message}); grant it SELECT, INSERT, UPDATE and DELETE ` +
      `on ${JOURNAL_TABLE} (and CREATE, or create the table once as an administrator). Nothing was exported.`,
    { cause: error },
  );
}
