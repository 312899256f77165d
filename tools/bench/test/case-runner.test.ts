import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runCase } from "../src/case-runner.js";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

describe("runCase", () => {
  test("returns the child's result and its own peak RSS, which grows with what it allocated", async () => {
    const run = (megabytes: number) =>
      runCase<{ sum: number }>({ file: here("./finished-case.ts"), input: { megabytes }, timeoutMs: 60_000 });
    const small = await run(1);
    const large = await run(128);
    expect(large.result).toEqual({ sum: 1 });
    expect(large).toMatchObject({ timedOut: false, stalled: false, exitCode: 0 });
    expect(large.peakRssMb! - small.peakRssMb!).toBeGreaterThan(100);
  });

  test("stops a child that reports no progress for the idle limit and keeps what it had done", async () => {
    const progress: unknown[] = [];
    const outcome = await runCase<{ rows: number; stopped: boolean }>({
      file: here("./stuck-case.ts"),
      input: { rows: 96 },
      timeoutMs: 60_000,
      idleTimeoutMs: 1_000,
      onProgress: (value) => progress.push(value),
    });
    expect(progress).toEqual([{ rows: 96 }]);
    expect(outcome).toMatchObject({ result: { rows: 96, stopped: true }, timedOut: true, stalled: true });
    expect(outcome.wallMs).toBeLessThan(30_000);
  });
});
