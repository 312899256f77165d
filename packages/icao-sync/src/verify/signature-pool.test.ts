import type { Logger } from "@certs/db";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "../parse/certificate-summary.js";
import { parseCrl } from "../parse/crl.js";
import {
  generateSigningKey,
  issueCertificate,
  issueCrl,
  keyAlgorithms,
  simpleName,
  type GeneratedCertificate,
} from "../testing/index.js";
import { SignaturePool } from "./signature-pool.js";
import { checkSignatureTask, isSignatureTask, type SignatureTask, TrustedCscas } from "./trusted-cscas.js";

const DAY = 86_400_000;
const now = Date.UTC(2025, 5, 1);

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function csca(code: string, algorithm: (typeof keyAlgorithms)[number], ski: number): GeneratedCertificate {
  return issueCertificate({
    subject: simpleName(["C", code], ["CN", `CSCA ${code}`]),
    serialNumber: BigInt(ski),
    notBefore: new Date(now - 365 * DAY),
    notAfter: new Date(now + 3650 * DAY),
    key: generateSigningKey(algorithm, { rsaModulusLength: 2048 }),
    subjectKeyIdentifier: new Uint8Array(20).fill(ski),
  });
}

function dsc(issuer: GeneratedCertificate, n: number): Uint8Array {
  return issueCertificate({
    subject: simpleName(["C", "XX"], ["CN", `DS ${n}`]),
    serialNumber: BigInt(1000 + n),
    notBefore: new Date(now - 10 * DAY),
    notAfter: new Date(now + 1000 * DAY),
    key: generateSigningKey("ecdsa-p256"),
    issuer,
    subjectKeyIdentifier: new Uint8Array(20).fill(n),
    basicConstraints: "none",
  }).der;
}

/** One DSC and one CRL per key algorithm, each once as signed and once with its signature broken. */
function tasks(): { tasks: SignatureTask[]; expected: ("verified" | "invalid")[] } {
  const trusted = new TrustedCscas();
  const tasks: SignatureTask[] = [];
  const expected: ("verified" | "invalid")[] = [];
  const add = (prepared: ReturnType<TrustedCscas["prepareCrl"]>, outcome: "verified" | "invalid") => {
    if (!isSignatureTask(prepared)) throw new Error(`not a signature task: ${prepared.status}`);
    tasks.push(prepared);
    expected.push(outcome);
  };
  for (const [i, algorithm] of keyAlgorithms.entries()) {
    const issuer = csca(`C${i}`, algorithm, i + 1);
    trusted.add(unwrap(parseCertificate(issuer.der)));
    const good = dsc(issuer, 2 * i);
    const broken = dsc(issuer, 2 * i + 1);
    broken[broken.length - 1] = (broken[broken.length - 1] as number) ^ 0x01;
    add(trusted.prepareCertificate(unwrap(parseCertificate(good))), "verified");
    add(trusted.prepareCertificate(unwrap(parseCertificate(broken))), "invalid");
    const dates = { thisUpdate: new Date(now - DAY), nextUpdate: new Date(now + 30 * DAY) };
    const revoked = [{ serialNumber: 7n, revocationDate: new Date(now - 2 * DAY) }];
    add(trusted.prepareCrl(unwrap(parseCrl(issueCrl(issuer, revoked, dates).der))), "verified");
    const forged = issueCrl(issuer, revoked, dates, { signingKey: generateSigningKey(algorithm) });
    add(trusted.prepareCrl(unwrap(parseCrl(forged.der))), "invalid");
  }
  return { tasks, expected };
}

function recordingLogger(messages: string[]): Logger {
  const record = (_: object, message?: string) => messages.push(message ?? "");
  return { debug: record, info: record, warn: record, error: record };
}

let material: ReturnType<typeof tasks>;
beforeAll(() => {
  material = tasks();
});

let pool: SignaturePool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe("signature pool", () => {
  it("worker threads reach the same verdicts as the calling thread, for every key algorithm", async () => {
    const { tasks: all, expected } = material;
    const messages: string[] = [];
    pool = new SignaturePool({ threads: 2, inThreadUpTo: 0, logger: recordingLogger(messages) });
    expect(await pool.start()).toBe(2);
    const [first, second] = await Promise.all([pool.check(all.slice(0, 12)), pool.check(all.slice(12))]);
    const verdicts = [...(first ?? []), ...(second ?? [])].map((by) => (by === 0 ? "verified" : "invalid"));
    expect(verdicts).toEqual(expected);
    expect(Array.from(all, checkSignatureTask).map((by) => (by === 0 ? "verified" : "invalid"))).toEqual(
      expected,
    );
    expect(pool.checked).toEqual({ inThread: 0, inWorkers: all.length });
    expect(messages).toContain("signature workers started");
    expect(messages).not.toContain("signature workers failed; checking signatures in this thread");
  });

  it("a small input is checked in the calling thread, without starting a worker", async () => {
    const { tasks: all, expected } = material;
    const messages: string[] = [];
    pool = new SignaturePool({ threads: 2, logger: recordingLogger(messages) });
    const verdicts = Array.from(await pool.check(all), (by) => (by === 0 ? "verified" : "invalid"));
    expect(verdicts).toEqual(expected);
    expect(pool.checked).toEqual({ inThread: all.length, inWorkers: 0 });
    expect(messages).not.toContain("signature workers started");
  });

  it("checks sent after the pool was closed are answered in the calling thread", async () => {
    const { tasks: all, expected } = material;
    pool = new SignaturePool({ threads: 1, inThreadUpTo: 0 });
    expect(await pool.start()).toBe(1);
    await pool.close();
    const verdicts = Array.from(await pool.check(all), (by) => (by === 0 ? "verified" : "invalid"));
    expect(verdicts).toEqual(expected);
  });
});
