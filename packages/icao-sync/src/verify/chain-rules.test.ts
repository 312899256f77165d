import { describe, expect, it } from "vitest";
import { parseCertificate, type CertificateSummary } from "../parse/certificate-summary.js";
import { parseMasterList } from "../parse/master-list.js";
import {
  type GeneratedCertificate,
  generateSigningKey,
  issueCertificate,
  signMasterList,
  simpleName,
} from "../testing/index.js";
import { CertificatePathFinder, SIGNATURE_CHECKS_PER_CERTIFICATE } from "./certificate-chain.js";
import { loadTrustAnchors } from "./trust-anchors.js";

const DAY = 24 * 3600 * 1000;
const signingTime = new Date("2025-06-01T12:00:00Z");
const validity = {
  notBefore: new Date(signingTime.getTime() - 400 * DAY),
  notAfter: new Date(signingTime.getTime() + 4000 * DAY),
};
let serial = 100n;
const next = () => (serial += 1n);

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function summary(certificate: GeneratedCertificate): CertificateSummary {
  return unwrap(parseCertificate(certificate.der));
}

const anchor = issueCertificate({
  subject: simpleName(["C", "UT"], ["CN", "Chain Rules Anchor"]),
  serialNumber: next(),
  ...validity,
  key: generateSigningKey("ecdsa-p256"),
  subjectKeyIdentifier: new Uint8Array(20).fill(1),
});
const anchors = unwrap(loadTrustAnchors([anchor.der]));

/** anchor -> intermediate (as given) -> signer, and the list the signer signs with the intermediate in it. */
function listThrough(intermediate: Partial<Parameters<typeof issueCertificate>[0]>, time = signingTime) {
  const middle = issueCertificate({
    subject: simpleName(["C", "UT"], ["CN", "Chain Rules Intermediate"]),
    serialNumber: next(),
    ...validity,
    key: generateSigningKey("ecdsa-p256"),
    issuer: anchor,
    subjectKeyIdentifier: new Uint8Array(20).fill(2),
    ...intermediate,
  });
  const signer = issueCertificate({
    subject: simpleName(["C", "UT"], ["CN", "Chain Rules Signer"]),
    serialNumber: next(),
    ...validity,
    key: generateSigningKey("ecdsa-p256"),
    issuer: middle,
    subjectKeyIdentifier: new Uint8Array(20).fill(3),
    basicConstraints: "none",
    keyUsage: 0x80,
  });
  return signMasterList({ certificates: [anchor.der, middle.der], signer, signingTime: time });
}

describe("chain building follows RFC 5280 basics", () => {
  it("a chain through a CA intermediate with keyCertSign verifies", () => {
    const list = unwrap(parseMasterList(listThrough({}), { trustAnchors: anchors }));
    expect(list.verification?.signers[0]?.chain).toMatchObject({ status: "verified" });
  });

  it("refuses a chain through a certificate whose basicConstraints say CA:FALSE", () => {
    for (const basicConstraints of ["none", "explicit-false"] as const) {
      const outcome = parseMasterList(listThrough({ basicConstraints }), { trustAnchors: anchors });
      expect(!outcome.ok && outcome.error.code).toBe("SIGNATURE_ERROR");
      expect(!outcome.ok && outcome.error.message).toContain("CN=Chain Rules Intermediate,C=UT (serial 0x");
      expect(!outcome.ok && outcome.error.message).toContain("is not a CA (basicConstraints cA is not TRUE)");
    }
  });

  it("refuses a chain through a CA whose keyUsage does not allow keyCertSign", () => {
    const outcome = parseMasterList(listThrough({ keyUsage: 0x80 }), { trustAnchors: anchors });
    expect(!outcome.ok && outcome.error.code).toBe("SIGNATURE_ERROR");
    expect(!outcome.ok && outcome.error.message).toContain("has a keyUsage without keyCertSign");
  });

  it("accepts a CA without any keyUsage extension", () => {
    const list = unwrap(parseMasterList(listThrough({ keyUsage: null }), { trustAnchors: anchors }));
    expect(list.verification?.chainChecked).toBe(true);
  });

  it("reads cA and keyCertSign from the certificate", () => {
    expect(summary(anchor)).toMatchObject({ isCa: true, keyCertSign: true });
    const leaf = issueCertificate({
      subject: simpleName(["CN", "leaf"]),
      serialNumber: next(),
      ...validity,
      key: generateSigningKey("ecdsa-p256"),
      issuer: anchor,
      subjectKeyIdentifier: null,
      basicConstraints: "explicit-false",
      keyUsage: 0x80,
    });
    expect(summary(leaf)).toMatchObject({ isCa: false, keyCertSign: false });
  });
});

describe("signingTime", () => {
  const clock = () => new Date("2026-01-01T00:00:00Z");

  it("refuses a list signed in 2049, with or without anchors", () => {
    const list = listThrough({}, new Date("2049-06-01T00:00:00Z"));
    for (const trustAnchors of [anchors, []]) {
      const outcome = parseMasterList(list, { trustAnchors, clock });
      expect(!outcome.ok && outcome.error.code).toBe("SIGNATURE_ERROR");
      expect(!outcome.ok && outcome.error.message).toBe(
        "The master list signature is not valid: its signingTime 2049-06-01T00:00:00.000Z is later than the clock (2026-01-01T00:00:00.000Z); a list cannot have been signed in the future.",
      );
    }
  });

  it("allows five minutes of clock skew", () => {
    const list = listThrough({}, new Date("2026-01-01T00:04:00Z"));
    expect(parseMasterList(list, { trustAnchors: anchors, clock }).ok).toBe(true);
    const late = listThrough({}, new Date("2026-01-01T00:06:00Z"));
    expect(parseMasterList(late, { trustAnchors: anchors, clock }).ok).toBe(false);
  });
});

describe("the chain search is bounded", () => {
  // Many same-named CAs under one key (each verifies the next) and as many under other keys (each fails):
  // an unbounded search checks every failing one again from every verifying one.
  const key = generateSigningKey("ecdsa-p256");
  const name = simpleName(["C", "XX"], ["CN", "Chain Bomb"]);
  const verifying: GeneratedCertificate[] = [];
  const failing: GeneratedCertificate[] = [];
  const seed = issueCertificate({
    subject: name,
    serialNumber: next(),
    ...validity,
    key,
    subjectKeyIdentifier: null,
  });
  for (let i = 0; i < 1200; i++) {
    verifying.push(
      issueCertificate({
        subject: name,
        serialNumber: next(),
        ...validity,
        key,
        issuer: seed,
        subjectKeyIdentifier: null,
      }),
    );
  }
  const otherKey = generateSigningKey("ecdsa-p256");
  for (let i = 0; i < 1200; i++) {
    failing.push(
      issueCertificate({
        subject: name,
        serialNumber: next(),
        ...validity,
        key: otherKey,
        subjectKeyIdentifier: null,
      }),
    );
  }
  const signer = issueCertificate({
    subject: simpleName(["C", "XX"], ["CN", "Chain Bomb Signer"]),
    serialNumber: next(),
    ...validity,
    key: generateSigningKey("ecdsa-p256"),
    issuer: seed,
    subjectKeyIdentifier: new Uint8Array(20).fill(9),
    authorityKeyIdentifier: null,
    basicConstraints: "none",
  });
  const certificates = [...verifying, ...failing].map((c) => c.der);
  const list = signMasterList({ certificates, signer, signingTime });

  it("a list of about 1 MB built to try every pair is refused after a bounded number of signature checks", () => {
    expect(list.length).toBeGreaterThan(700_000);
    const started = performance.now();
    const outcome = parseMasterList(list, { trustAnchors: anchors });
    const elapsedMs = performance.now() - started;
    expect(!outcome.ok && outcome.error.code).toBe("SIGNATURE_ERROR");
    expect(!outcome.ok && outcome.error.message).toMatch(
      /no path from .*the search gave up after \d+ signature checks/,
    );
    // Generous: unbounded, this list takes minutes.
    expect(elapsedMs).toBeLessThan(10_000);

    const pool = [...verifying, ...failing].map(summary);
    const finder = new CertificatePathFinder(pool, anchors);
    expect(finder.find(summary(signer), signingTime).found).toBe(false);
    expect(finder.signatureChecks).toBeLessThanOrEqual(SIGNATURE_CHECKS_PER_CERTIFICATE * (pool.length + 1));
  });
});
