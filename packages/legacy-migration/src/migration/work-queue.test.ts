import { describe, expect, it } from "vitest";
import { WorkQueue } from "./work-queue.js";

describe("WorkQueue", () => {
  it("hands every item to exactly one of many consumers, and all consumers finish (no hang at the end)", async () => {
    const queue = new WorkQueue<number>(5);
    const seen: number[] = [];
    const consumers = Array.from({ length: 10 }, async () => {
      for (;;) {
        const batch = await queue.take(3);
        if (batch.length === 0) return;
        seen.push(...batch);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
      }
    });
    for (let i = 0; i < 100; i++) await queue.push(i);
    queue.close();
    await Promise.all(consumers);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("the last item is not lost when consumers are already waiting", async () => {
    const queue = new WorkQueue<string>(2);
    const waiting = [queue.take(10), queue.take(10), queue.take(10)];
    await queue.push("last");
    queue.close();
    const results = await Promise.all(waiting);
    expect(results.flat()).toEqual(["last"]);
    expect(results.filter((r) => r.length === 0)).toHaveLength(2);
  });

  it("push waits while the queue is full, so memory stays bounded", async () => {
    const queue = new WorkQueue<number>(2);
    await queue.push(1);
    await queue.push(2);
    let third = false;
    const pending = queue.push(3).then(() => (third = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(third).toBe(false);
    expect(queue.size).toBe(2);
    expect(await queue.take(1)).toEqual([1]);
    await pending;
    expect(third).toBe(true);
  });

  it("pushAll lets a consumer take a whole group at once", async () => {
    const queue = new WorkQueue<number>(100);
    const taken = queue.take(50);
    await queue.pushAll(Array.from({ length: 60 }, (_, i) => i));
    expect(await taken).toHaveLength(50);
    expect(await queue.take(50)).toHaveLength(10);
  });

  it("drain drops what is waiting, releases a blocked producer and ends the consumers", async () => {
    const queue = new WorkQueue<number>(1);
    await queue.push(1);
    const blocked = queue.push(2);
    expect(queue.drain()).toEqual([1]);
    expect(await blocked).toBe(false);
    expect(await queue.take(5)).toEqual([]);
    expect(await queue.pushAll([3])).toBe(false);
  });
});
