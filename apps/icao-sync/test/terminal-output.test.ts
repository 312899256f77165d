import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateSigningKey, issueCertificate, signMasterList, simpleName } from "@certs/icao-sync/testing";
import { runTypeScript } from "@certs/testdb";
import { beforeAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

// Clears the screen, retitles the terminal and hides what follows; NUL and a bidi override besides.
const HOSTILE_CSCA = "CSCA \x1b[2J\x1b]0;pwned\x07\x1b[8mhidden\x00nul \u202etxt.exe";
const HOSTILE_SIGNER = "Signer \x1b[31mred\x1b[0m";

let list: string;
let anchor: string;
let otherAnchor: string;

beforeAll(async () => {
  const validity = {
    notBefore: new Date("2024-01-01T00:00:00Z"),
    notAfter: new Date("2034-01-01T00:00:00Z"),
  };
  const csca = issueCertificate({
    subject: simpleName(["C", "UT"], ["CN", HOSTILE_CSCA]),
    serialNumber: 1n,
    ...validity,
    key: generateSigningKey("ecdsa-p256"),
    subjectKeyIdentifier: new Uint8Array(20).fill(1),
  });
  const signer = issueCertificate({
    subject: simpleName(["C", "UT"], ["CN", HOSTILE_SIGNER]),
    serialNumber: 2n,
    ...validity,
    key: generateSigningKey("ecdsa-p256"),
    issuer: csca,
    subjectKeyIdentifier: new Uint8Array(20).fill(2),
    basicConstraints: "none",
    keyUsage: 0x80,
  });
  const stranger = issueCertificate({
    subject: simpleName(["C", "UT"], ["CN", "Someone Else"]),
    serialNumber: 3n,
    ...validity,
    key: generateSigningKey("ecdsa-p256"),
    subjectKeyIdentifier: new Uint8Array(20).fill(3),
  });
  const dir = await mkdtemp(path.join(tmpdir(), "icao-terminal-"));
  list = path.join(dir, "hostile.ml");
  anchor = path.join(dir, "anchor.cer");
  otherAnchor = path.join(dir, "other.cer");
  await writeFile(list, signMasterList({ certificates: [csca.der], signer }));
  await writeFile(anchor, csca.der);
  await writeFile(otherAnchor, stranger.der);
});

function expectNoControlCharacters(text: string): void {
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
}

describe("certs-icao-sync prints names with control characters escaped", () => {
  it("inspect shows the CSCA and signer names with ESC, BEL and the bidi override escaped", async () => {
    const outcome = await runTypeScript(CLI, ["inspect", list, "--trust-anchor", anchor]);
    expect(outcome.code).toBe(0);
    expectNoControlCharacters(outcome.stdout);
    expect(outcome.stdout).toContain(
      "CN=CSCA \\x1b[2J\\x1b]0\\;pwned\\x07\\x1b[8mhidden\\00nul \\u202etxt.exe,C=UT",
    );
    expect(outcome.stdout).toContain("signer CN=Signer \\x1b[31mred\\x1b[0m,C=UT");
  });

  it("run --dry-run prints the signer escaped in its summary", async () => {
    const outcome = await runTypeScript(CLI, [
      "run",
      "--dry-run",
      "--source",
      list,
      "--trust-anchor",
      anchor,
    ]);
    expect(outcome.code).toBe(0);
    expectNoControlCharacters(outcome.stdout);
    expect(outcome.stdout).toContain("signer CN=Signer \\x1b[31mred\\x1b[0m,C=UT");
  });

  it("a failure that names the signer prints it escaped on its one line", async () => {
    const outcome = await runTypeScript(CLI, ["inspect", list, "--trust-anchor", otherAnchor], {
      env: { CERTS_LOG_LEVEL: "error" },
    });
    expect(outcome.code).toBe(1);
    expectNoControlCharacters(outcome.stderr);
    expect(outcome.stderr).toMatch(/^error: SIGNATURE_ERROR: .*\\x1b\[31mred\\x1b\[0m.*\n$/);
  });

  it("--json keeps the names exact, JSON-escaped", async () => {
    const outcome = await runTypeScript(CLI, ["inspect", list, "--trust-anchor", anchor, "--json"]);
    expect(outcome.code).toBe(0);
    expectNoControlCharacters(outcome.stdout);
    const report = JSON.parse(outcome.stdout) as { root_ca: { issuer: string }[] };
    expect(outcome.stdout).toContain("\\u202etxt.exe");
    expect(report.root_ca[0]?.issuer).toBe(
      `CN=${HOSTILE_CSCA.replace(";", "\\;").replace("\x00", "\\00")},C=UT`,
    );
  });
});
