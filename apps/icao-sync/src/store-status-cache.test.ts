import { describe, expect, it } from "vitest";
import { cachedReader } from "./store-status-cache.js";

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("cachedReader", () => {
  it("reads once for any number of concurrent callers, then serves the cached value until it ages", async () => {
    let clock = 0;
    let reads = 0;
    const gate = deferred<number>();
    const get = cachedReader(
      () => {
        reads += 1;
        return reads === 1 ? gate.promise : Promise.resolve(reads);
      },
      { maxAgeMs: 3_000, version: () => "v1", now: () => clock },
    );
    const callers = Array.from({ length: 100 }, () => get());
    gate.resolve(1);
    expect(await Promise.all(callers)).toEqual(Array.from({ length: 100 }, () => 1));
    expect(reads).toBe(1);
    clock = 2_999;
    expect(await get()).toBe(1);
    expect(reads).toBe(1);
    clock = 3_000;
    // Aged: the old value at once, one refresh behind it.
    expect(await Promise.all([get(), get(), get()])).toEqual([1, 1, 1]);
    expect(reads).toBe(2);
    await Promise.resolve();
    expect(await get()).toBe(2);
  });

  it("reads again at once when the version changes", async () => {
    let version = "before";
    let reads = 0;
    const get = cachedReader(() => Promise.resolve(++reads), { maxAgeMs: 60_000, version: () => version });
    expect(await get()).toBe(1);
    expect(await get()).toBe(1);
    version = "after the run";
    expect(await get()).toBe(2);
  });
});
