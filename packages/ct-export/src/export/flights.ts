import { classifyDbError } from "@certs/db";
import type { AppError, Result } from "@certs/result";
import type { WrittenBatch } from "./batch-file.js";

/**
 * Files written at once at most (their fsyncs overlap): small batches are bound by fsync latency, so more
 * of them are written at once; large ones by CPU and memory (each write holds its batch and an encoder
 * buffer), so two. Measured at batch 32 on the benchmark machine, four at once gave 0.85 of the raw loop where two
 * gave 0.70 (four runs each, interleaved).
 */
export function maxWritesInFlight(batchSize: number): number {
  return batchSize <= SMALL_BATCH ? 4 : 2;
}
const SMALL_BATCH = 256;

/** One claimed batch on its way: its file being written, then either finished or released. */
export interface Flight {
  readonly writing: Promise<Result<WrittenBatch, AppError>>;
  /** Rolls the batch back (its file was never published); never fails. */
  release(): Promise<void>;
  /** Counts, deletes and commits, and reports a published batch. */
  finish(written: WrittenBatch): Promise<void>;
}

/**
 * The batches whose rows this run holds while their files are written, oldest first. Each goes on by itself,
 * so no batch waits for the loop to come back to it (with a pool of one connection, the next claim waits
 * for the connection a finishing batch hands back): a file that could not be written releases its rows at
 * once; a published one waits for the batch before it to be finished (batches are counted and reported in
 * claim order), then is finished. Nothing here rejects: the first failed write is kept in `failure`, an
 * exception (a throwing onBatch) in `thrown`, for the loop to stop on; the other batches in flight still
 * finish, since a published file's rows must be deleted whatever happens to its neighbours.
 */
export class Flights {
  /** Batches launched so far, published or not. */
  launched = 0;
  failure: AppError | undefined;
  thrown: { readonly error: unknown } | undefined;
  private readonly pending: Promise<void>[] = [];
  private last: Promise<void> = Promise.resolve();
  /** Writes not yet returned (they may return out of order). */
  private readonly writes = new Set<Promise<void>>();

  /** `maxWrites`: files written at once at most; one more batch may be in flight (the one being deleted). */
  constructor(private readonly maxWrites: number) {}

  /** Flights not yet waited for (some may have ended already). */
  get size(): number {
    return this.pending.length;
  }

  launch(flight: Flight): void {
    this.launched += 1;
    const write = flight.writing.then(
      () => undefined,
      () => undefined,
    );
    this.writes.add(write);
    void write.then(() => this.writes.delete(write));
    const done = this.fly(flight, this.last).catch((error: unknown) => {
      this.thrown ??= { error };
    });
    this.last = done;
    this.pending.push(done);
  }

  /** Waits until another batch may be launched: a free write slot and a free flight slot. */
  async makeRoom(): Promise<void> {
    await this.settle(this.maxWrites);
    while (this.writes.size >= this.maxWrites) await Promise.race(this.writes);
  }

  /** Waits for the oldest flights until at most `keep` are left. */
  async settle(keep: number): Promise<void> {
    while (this.pending.length > keep) await this.pending.shift();
  }

  private async fly(flight: Flight, previous: Promise<void>): Promise<void> {
    const written = await flight.writing;
    if (!written.ok) {
      await flight.release();
      // A database outage (the journal entry, or the claim's locks, lost): the rows are simply claimed again.
      if (classifyDbError(written.error).retryable) return;
      this.failure ??= written.error;
      return;
    }
    await previous;
    await flight.finish(written.value);
  }
}
