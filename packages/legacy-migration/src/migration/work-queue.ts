/**
 * A bounded first-in-first-out queue between one producer and many consumers. `push` waits while the queue
 * is full (so memory stays bounded whatever the table size); `take` waits for at least one item and returns
 * up to `max` of them, or an empty list once the producer has called `close` and everything is taken (so no
 * consumer is ever left waiting at the end, the original's hang).
 */
export class WorkQueue<T> {
  private readonly items: T[] = [];
  private closed = false;
  private readonly takers: Array<() => void> = [];
  private readonly pushers: Array<() => void> = [];

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("capacity must be a positive integer");
  }

  /** Items waiting. */
  get size(): number {
    return this.items.length;
  }

  /** Adds an item, waiting while the queue is full; false (item dropped) once the queue is closed. */
  async push(item: T): Promise<boolean> {
    while (this.items.length >= this.capacity && !this.closed) {
      await new Promise<void>((resolve) => this.pushers.push(resolve));
    }
    if (this.closed) return false;
    this.items.push(item);
    this.takers.shift()?.();
    return true;
  }

  /**
   * Adds items in order, as many at a time as fit (so a waiting consumer finds a whole group, not one item),
   * waiting while the queue is full; false once the queue is closed (the rest are dropped).
   */
  async pushAll(items: readonly T[]): Promise<boolean> {
    let next = 0;
    while (next < items.length) {
      while (this.items.length >= this.capacity && !this.closed) {
        await new Promise<void>((resolve) => this.pushers.push(resolve));
      }
      if (this.closed) return false;
      const room = this.capacity - this.items.length;
      this.items.push(...items.slice(next, next + room));
      next += room;
      this.takers.shift()?.();
    }
    return true;
  }

  /** Waits for at least one item (or the end) and returns up to `max` items; empty means the queue is done. */
  async take(max: number): Promise<T[]> {
    while (this.items.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => this.takers.push(resolve));
    }
    const taken = this.items.splice(0, Math.max(1, max));
    for (let i = 0; i < taken.length; i++) this.pushers.shift()?.();
    // Another consumer may be waiting and there may be more items (or the end) for it.
    if (this.items.length > 0 || this.closed) this.takers.shift()?.();
    return taken;
  }

  /** No more items will come: waiting consumers wake up and get what is left, then empty lists. */
  close(): void {
    this.closed = true;
    for (const wake of this.takers.splice(0)) wake();
    for (const wake of this.pushers.splice(0)) wake();
  }

  /** Drops everything still waiting (on cancellation) and closes; returns what was dropped. */
  drain(): T[] {
    const dropped = this.items.splice(0);
    this.close();
    return dropped;
  }
}
