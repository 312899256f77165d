import { databaseError } from "@certs/db";
import { err, ok, type AppError, type Result } from "@certs/result";
import type { DataSource, QueryRunner } from "typeorm";
import { claimSql, toClaimedRow, type ClaimedBatch, type ClaimQuery } from "./claimed-batch.js";
import { deleteSql } from "./delete-sql.js";
import { driverQuery, type DriverQuery } from "./driver-query.js";
import type { CertsTableShape } from "./certs-table-columns.js";
import {
  JOURNAL_TABLE,
  toEntry,
  type DatabaseJournal,
  type DatabaseJournalEntry,
} from "./journal/database-journal.js";

/**
 * One pooled connection kept for the whole run, in READ COMMITTED, with no ORM layer per statement. On
 * MySQL/MariaDB it runs with autocommit off, so each claim's transaction starts with its SELECT (no START
 * TRANSACTION round trip); both settings are restored before it goes back to the pool.
 */
interface Session {
  readonly runner: QueryRunner;
  readonly query: DriverQuery;
  /** MySQL/MariaDB: the session's isolation level before we set ours, restored before it goes back. */
  readonly previousIsolation: string | null;
  /** The driver's connection (mysql2 or pg), closed instead of pooled when it cannot be restored. */
  readonly connection: unknown;
  readonly mysql: boolean;
}

/**
 * The exporter's claims, on connections it keeps for the run instead of taking one from the pool per batch:
 * each claim is `START TRANSACTION; SELECT ... FOR UPDATE SKIP LOCKED`, then `DELETE; COMMIT` (the same four
 * statements as a hand-written loop), where a per-batch query runner also sent `SET TRANSACTION ISOLATION
 * LEVEL` and went through the ORM for each statement. READ COMMITTED is set once per connection (MySQL), or
 * given with each BEGIN (PostgreSQL), so InnoDB locks only the rows read and pipelined claims never wait on a
 * delete. `close()` restores each connection's isolation level and hands it back to the pool.
 */
// Explicit BEGIN/COMMIT, not `transaction()`: a claim's transaction outlives the call, held while its file is written.
export class ClaimSessions {
  private readonly idle: Session[] = [];
  /** Claims waiting for a connection: whichever comes first, a session handed back or one from the pool. */
  private readonly waiters: ((session: Session) => void)[] = [];
  private closed = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly shape: CertsTableShape,
    private readonly journal: DatabaseJournal | null,
  ) {}

  /**
   * Claims rows with `FOR UPDATE SKIP LOCKED`, then reads, in the same transaction, the journal entries that
   * cover any of them (or any of `recheckIds`): while we hold the locks no new entry for these rows can
   * appear, and every entry recorded while another exporter held them was committed before it let go.
   * The batch holds its session until it ends.
   */
  async claim(
    query: Omit<ClaimQuery, "lock"> & { readonly recheckIds?: readonly string[] },
  ): Promise<Result<ClaimedBatch, AppError>> {
    const { sql, parameters } = claimSql(this.shape, { ...query, lock: true });
    let session: Session | undefined;
    try {
      session = await this.acquire();
      // MySQL: autocommit is off on the session, so the claim's SELECT opens the transaction.
      if (this.shape.dialect !== "mysql") await session.query(BEGIN_POSTGRES, []);
      const { rows } = await session.query(sql, parameters);
      const claimed = rows.map((row) => toClaimedRow(row, this.shape));
      const asked = [...claimed.map((row) => row.id), ...(query.recheckIds ?? [])];
      let entries: DatabaseJournalEntry[] = [];
      if (this.journal !== null && asked.length > 0) {
        const numbers = asked.map((id) => BigInt(id));
        const low = numbers.reduce((a, b) => (b < a ? b : a));
        const high = numbers.reduce((a, b) => (b > a ? b : a));
        const found = await session.query(...this.journal.coveringSql(String(low), String(high)));
        entries = found.rows.map(toEntry);
      }
      return ok(this.batch(session, claimed, entries, query.recheckIds ?? []));
    } catch (error) {
      if (session !== undefined) await this.discard(session);
      return err(databaseError(error, `could not claim rows from ${this.shape.table}`));
    }
  }

  /**
   * Restores and returns every idle connection to the pool, so that work outside the claims (deleting the rows
   * of earlier runs, for example) never waits for a connection this run keeps. Later claims open new ones.
   */
  async releaseIdle(): Promise<void> {
    for (const session of this.idle.splice(0)) await this.giveBack(session);
  }

  /** Releases the idle connections, and any that a late pool request still brings; call once no batch is open. */
  async close(): Promise<void> {
    this.closed = true;
    await this.releaseIdle();
  }

  /**
   * An idle session, or else the first of: a session another batch hands back, a new one from the pool. With a
   * pool of one connection, waiting for the pool alone would wait for ourselves.
   */
  private acquire(): Promise<Session> {
    const idle = this.idle.pop();
    if (idle !== undefined) return Promise.resolve(idle);
    return new Promise((resolve, reject) => {
      let settled = false;
      const waiter = (session: Session): void => {
        settled = true;
        resolve(session);
      };
      this.waiters.push(waiter);
      const leave = (): void => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
      };
      this.openSession().then(
        (session) => {
          leave();
          if (settled) {
            // Served by a handed-back session meanwhile: this one goes straight back to the pool.
            void this.giveBack(session);
          } else {
            settled = true;
            resolve(session);
          }
        },
        (error: unknown) => {
          leave();
          if (!settled) {
            settled = true;
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      );
    });
  }

  /** A session whose batch ended cleanly: to a waiting claim, else idle (or back to the pool once closed). */
  private handBack(session: Session): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter(session);
    } else if (this.closed) {
      void this.giveBack(session);
    } else {
      this.idle.push(session);
    }
  }

  private async giveBack(session: Session): Promise<void> {
    try {
      await restoreSession(session);
      await session.runner.release();
    } catch {
      await this.discard(session);
    }
  }

  private batch(
    session: Session,
    rows: ReturnType<typeof toClaimedRow>[],
    journalEntries: DatabaseJournalEntry[],
    recheckedIds: readonly string[],
  ): ClaimedBatch {
    let open = true;
    const ids = rows.map((row) => row.id);
    return {
      rows,
      ids,
      journalEntries,
      recheckedIds,
      stillHeld: async () => {
        if (!open) return false;
        try {
          await session.query("SELECT 1", []);
          return true;
        } catch {
          return false;
        }
      },
      deleteAndCommit: async (only = ids, journalBatch) => {
        if (!open) return ok(0);
        open = false;
        try {
          const entry = journalBatch !== undefined && this.journal !== null ? journalBatch : undefined;
          let deleted = 0;
          if (only.length > 0) {
            // The journal entry is deleted in the rows' own statement: one round trip, then COMMIT.
            const key = entry === undefined ? undefined : { table: JOURNAL_TABLE, batch: entry };
            const affected = (await session.query(...deleteSql(this.shape, only, key))).affected;
            // MySQL counts the entry among the affected rows; the locked rows are all there to delete.
            deleted = Math.min(affected, only.length);
          }
          // Nothing deleted (no ids, or, impossibly, none found): the entry still goes before the commit.
          if (entry !== undefined && deleted === 0 && this.journal !== null) {
            await session.query(...this.journal.deleteEntrySql(entry));
          }
          await session.query("COMMIT", []);
          this.handBack(session);
          return ok(deleted);
        } catch (error) {
          await this.discard(session);
          return err(databaseError(error, `could not delete the exported rows from ${this.shape.table}`));
        }
      },
      release: async () => {
        if (!open) return;
        open = false;
        try {
          await session.query("ROLLBACK", []);
          this.handBack(session);
        } catch {
          await this.discard(session);
        }
      },
    };
  }

  private async openSession(): Promise<Session> {
    const runner = this.dataSource.createQueryRunner();
    const mysql = this.shape.dialect === "mysql";
    let connection: unknown;
    try {
      connection = await runner.connect();
      const query = driverQuery(connection, this.shape.dialect);
      let previousIsolation: string | null = null;
      if (mysql) {
        previousIsolation = await currentIsolation(query);
        await query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", []);
        await query("SET autocommit = 0", []);
      }
      return { runner, query, previousIsolation, connection, mysql };
    } catch (error) {
      // A connection left with autocommit off must never serve the pool again.
      destroyConnection(connection);
      await runner.release().catch(() => undefined);
      throw error;
    }
  }

  /**
   * A session whose state is unknown after an error: rolled back and restored if possible, else its connection
   * is closed (a connection with autocommit off must not go back to the pool); then handed back.
   */
  private async discard(session: Session): Promise<void> {
    await session.query("ROLLBACK", []).catch(() => undefined);
    const restored = await restoreSession(session).then(
      () => true,
      () => false,
    );
    if (!restored) destroyConnection(session.connection);
    await session.runner.release().catch(() => undefined);
  }
}

const BEGIN_POSTGRES = "BEGIN ISOLATION LEVEL READ COMMITTED";

/** Closes a driver connection for good (mysql2 and pg pool clients both have `destroy`/`release(true)`). */
function destroyConnection(connection: unknown): void {
  const driver = connection as { destroy?: () => void } | undefined;
  try {
    driver?.destroy?.();
  } catch {
    // Already closed.
  }
}

/** Gives a MySQL/MariaDB session back its autocommit and isolation level (nothing to do on PostgreSQL). */
async function restoreSession(session: Session): Promise<void> {
  if (!session.mysql) return;
  // Turning autocommit on commits nothing here: every batch ended with COMMIT or ROLLBACK.
  await session.query("SET autocommit = 1", []);
  if (session.previousIsolation !== null) {
    await session.query(`SET SESSION TRANSACTION ISOLATION LEVEL ${session.previousIsolation}`, []);
  }
}
const ISOLATION_LEVEL = /^(READ[- ]UNCOMMITTED|READ[- ]COMMITTED|REPEATABLE[- ]READ|SERIALIZABLE)$/i;

/** The session's isolation level as SQL words (`REPEATABLE READ`); MariaDB and MySQL name the variable differently. */
async function currentIsolation(query: DriverQuery): Promise<string | null> {
  for (const variable of ["@@SESSION.transaction_isolation", "@@SESSION.tx_isolation"]) {
    try {
      const { rows } = await query(`SELECT ${variable} AS level`, []);
      const level = String(rows[0]?.["level"] ?? "");
      if (ISOLATION_LEVEL.test(level)) return level.toUpperCase().replace("-", " ");
    } catch {
      // Unknown variable on this server: try the other name.
    }
  }
  return null;
}
