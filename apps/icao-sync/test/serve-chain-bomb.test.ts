import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type GeneratedCertificate,
  generateSigningKey,
  issueCertificate,
  signMasterList,
  simpleName,
} from "@certs/icao-sync/testing";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, lastRunOf, NEVER_SOON, send, serve, type Served, untilReady } from "./served-app.js";

const PER_SIDE = 2_500;

let db: TestDatabase;
let list: string;
let anchor: string;
const running: Served[] = [];

/**
 * The chain-rules test's hostile list, larger: many same-named CAs under one key (each verifies the next)
 * and as many under another key (each fails), signed by a signer whose issuer has that name, with an
 * unrelated anchor, so the search tries candidate after candidate until its bound.
 */
function chainBomb(): { list: Uint8Array; anchor: Uint8Array } {
  const validity = {
    notBefore: new Date("2024-06-01T00:00:00Z"),
    notAfter: new Date("2035-06-01T00:00:00Z"),
  };
  let serial = 1_000n;
  const name = simpleName(["C", "XX"], ["CN", "Chain Bomb"]);
  const key = generateSigningKey("ecdsa-p256");
  const seed = issueCertificate({
    subject: name,
    serialNumber: serial++,
    ...validity,
    key,
    subjectKeyIdentifier: null,
  });
  const pool: GeneratedCertificate[] = [];
  for (let i = 0; i < PER_SIDE; i++) {
    pool.push(
      issueCertificate({
        subject: name,
        serialNumber: serial++,
        ...validity,
        key,
        issuer: seed,
        subjectKeyIdentifier: null,
      }),
    );
  }
  const otherKey = generateSigningKey("ecdsa-p256");
  for (let i = 0; i < PER_SIDE; i++) {
    pool.push(
      issueCertificate({
        subject: name,
        serialNumber: serial++,
        ...validity,
        key: otherKey,
        subjectKeyIdentifier: null,
      }),
    );
  }
  const signer = issueCertificate({
    subject: simpleName(["C", "XX"], ["CN", "Chain Bomb Signer"]),
    serialNumber: serial++,
    ...validity,
    key: generateSigningKey("ecdsa-p256"),
    issuer: seed,
    subjectKeyIdentifier: new Uint8Array(20).fill(9),
    authorityKeyIdentifier: null,
    basicConstraints: "none",
  });
  const unrelated = issueCertificate({
    subject: simpleName(["C", "XX"], ["CN", "Chain Bomb Anchor"]),
    serialNumber: serial++,
    ...validity,
    key: generateSigningKey("ecdsa-p256"),
    subjectKeyIdentifier: new Uint8Array(20).fill(1),
  });
  return {
    list: signMasterList({
      certificates: pool.map((c) => c.der),
      signer,
      signingTime: new Date("2025-06-01T12:00:00Z"),
    }),
    anchor: unrelated.der,
  };
}

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  const dir = await mkdtemp(path.join(tmpdir(), "icao-bomb-"));
  const bomb = chainBomb();
  list = path.join(dir, "bomb.ml");
  anchor = path.join(dir, "anchor.cer");
  await writeFile(list, bomb.list);
  await writeFile(anchor, bomb.anchor);
}, 120_000);

afterAll(async () => {
  for (const served of running) if (served.child.exitCode === null) served.child.kill("SIGKILL");
  await db?.drop();
});

/** Asks `/health` every 100 ms while `busy()` holds; returns the slowest answer in ms. */
async function slowestHealth(url: string, busy: () => Promise<boolean>, atMostMs: number): Promise<number> {
  let slowest = 0;
  const until = Date.now() + atMostMs;
  while (Date.now() < until && (await busy())) {
    const started = performance.now();
    const health = await get(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return slowest;
}

describe("certs-icao-sync serve with a list built to make the chain search try every pair", () => {
  it("answers /health within a second throughout the run, and SIGTERM during another run ends it within 5 s", async () => {
    const served = await serve([
      "--db",
      db.url,
      "--source",
      list,
      "--trust-anchor",
      anchor,
      "--cron",
      NEVER_SOON,
    ]);
    running.push(served);
    const { url } = served;
    await untilReady(url);

    expect((await send(`${url}/trigger`, "POST")).status).toBe(202);
    const runStarted = performance.now();
    const isRunning = async () => (await get(`${url}/info`)).body.running !== null;
    const slowest = await slowestHealth(url, isRunning, 120_000);
    const runMs = performance.now() - runStarted;
    expect(slowest).toBeLessThan(1_000);
    const finished = await lastRunOf(url);
    expect(finished).toMatchObject({ status: "failed", error: { code: "SIGNATURE_ERROR" } });
    expect((finished.error as { message: string }).message).toMatch(/signature checks/);
    // The run took long enough that an event loop doing it would have left /health unanswered.
    expect(runMs).toBeGreaterThan(1_500);

    expect((await send(`${url}/trigger`, "POST")).status).toBe(202);
    expect(await slowestHealth(url, isRunning, 1_000)).toBeLessThan(1_000);
    expect(await isRunning()).toBe(true);
    const signalled = performance.now();
    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(143);
    expect(performance.now() - signalled).toBeLessThan(5_000);
    expect(served.stderr()).toMatch(/Stopped; last run (cancelled|failed)/);
  }, 180_000);
});
