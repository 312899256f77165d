import { writeFile } from "node:fs/promises";
import path from "node:path";
import { generateDataGroups, signDocumentSecurityObject } from "@certs/icao-sync/testing";
import type { TestDatabase } from "@certs/testdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { albaniaOf, issueAlbanianDsc, listFlags, type Material, useTestStore } from "./material.js";
import { runCli as run, runCliOrThrow, serve, type Served, stop } from "./served-app.js";

const AT = "2025-07-01T00:00:00Z";
const TOKEN = "verify-token-0123456789";

let db: TestDatabase;
let material: Material;
const files: Record<string, string> = {};
const groups = generateDataGroups("check-app");
let goodSod: Uint8Array;
useTestStore("check", (store) => ({ db, material } = store));

beforeAll(async () => {
  await runCliOrThrow("the sync", ["run", ...listFlags(db.url, material), "--ldif", material.ldif]);
  const albania = albaniaOf(material);
  const good = issueAlbanianDsc(material, 0x77n);
  const revokedSerial = albania.crl.entries[0]?.serialNumber as bigint;
  const revoked = issueAlbanianDsc(material, revokedSerial);
  const signingTime = material.pki.signingTime;
  goodSod = signDocumentSecurityObject({ dsc: good, dataGroups: groups, signingTime });
  const write = async (name: string, bytes: Uint8Array | string) => {
    files[name] = path.join(material.dir, name);
    await writeFile(files[name] as string, bytes);
  };
  await write("good.sod", goodSod);
  await write(
    "tampered.sod",
    signDocumentSecurityObject({ dsc: good, dataGroups: groups, signingTime, tamper: "content" }),
  );
  await write("revoked.sod", signDocumentSecurityObject({ dsc: revoked, dataGroups: groups, signingTime }));
  await write("dsc.cer", good.der);
  await write("dg1.bin", groups.get(1) as Uint8Array);
  await write("dg2.bin", groups.get(2) as Uint8Array);
  await write("not-a-document.txt", "hello");
}, 120_000);

describe("certs-icao-sync check", () => {
  it("a valid EF.SOD with its data groups exits 0 with one line", async () => {
    const result = await run([
      "check",
      files["good.sod"] as string,
      "--dg",
      `1=${files["dg1.bin"]}`,
      "--dg",
      `2=${files["dg2.bin"]}`,
      "--at",
      AT,
      "--db",
      db.url,
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `${files["good.sod"]}: valid, sod verified, chain verified (CN=CSCA ALB,O=Ministry of Interior,C=al -0x4e), revocation not_revoked, DG1 verified DG2 verified\n`,
    );
  });

  it("any invalid document makes the exit code 1; each file gets its line, --json one object per line", async () => {
    const names = ["good.sod", "tampered.sod", "revoked.sod", "dsc.cer", "not-a-document.txt"];
    const result = await run([
      "check",
      ...names.map((n) => files[n] as string),
      "--json",
      "--at",
      AT,
      "--db",
      db.url,
    ]);
    expect(result.code).toBe(1);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => [path.basename(l.file as string), l.valid])).toEqual([
      ["good.sod", true],
      ["tampered.sod", false],
      ["revoked.sod", false],
      ["dsc.cer", true],
      ["not-a-document.txt", false],
    ]);
    expect(lines[0]).toMatchObject({
      sodSignature: "verified",
      chain: "verified",
      csca: { subject: "CN=CSCA ALB,O=Ministry of Interior,C=al", isn: "-0x4e" },
      dsc: { isn: "0x77", atSigning: "valid", now: "valid" },
      revocation: { status: "not_revoked" },
      deviations: [],
      problems: [],
    });
    expect(lines[1]).toMatchObject({ sodSignature: "invalid", chain: "verified" });
    expect(lines[2]).toMatchObject({ sodSignature: "verified", revocation: { status: "revoked" } });
    expect(lines[3]).toMatchObject({ kind: "dsc", chain: "verified" });
    expect(lines[4]).toMatchObject({ error: { code: "PARSE_ERROR" } });
  });

  it("bad usage exits 2 with one line naming the flag", async () => {
    const cases: [string[], RegExp][] = [
      [["check", "--db", db.url], /check: name at least one file/],
      [
        ["check", files["good.sod"] as string, "--dg", "17=x", "--db", db.url],
        /--dg must look like "N=file"/,
      ],
      [
        ["check", files["good.sod"] as string, "--dg", "1=/nonexistent/dg1.bin", "--db", db.url],
        /--dg 1: cannot read \/nonexistent\/dg1\.bin \(ENOENT\)/,
      ],
      [
        ["check", files["good.sod"] as string, "--at", "yesterday", "--db", db.url],
        /--at must be an ISO 8601 time/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe("");
    }
  });

  it("--help shows examples", async () => {
    const help = await run(["check", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:\n\s+\$ certs-icao-sync check /);
  });
});

describe("serve: POST /verify", () => {
  let served: Served;

  beforeAll(async () => {
    served = await serve([...listFlags(db.url, material), "--trigger-token", TOKEN], {
      CERTS_LOG_LEVEL: "warn",
    });
  }, 60_000);

  afterAll(async () => {
    if (served !== undefined) await stop(served);
  });

  const post = async (body: string | Uint8Array, headers: Record<string, string> = {}) => {
    const response = await fetch(`${served.url}/verify`, {
      method: "POST",
      body,
      headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("answers the check --json result for a raw EF.SOD and for JSON with data groups", async () => {
    const raw = await post(Buffer.from(goodSod), { "content-type": "application/octet-stream" });
    expect(raw.status).toBe(200);
    expect(raw.body).toMatchObject({ kind: "sod", sodSignature: "verified", chain: "verified" });
    const changed = Uint8Array.from(groups.get(1) as Uint8Array);
    changed[10] = (changed[10] as number) ^ 1;
    const json = await post(
      JSON.stringify({
        document: Buffer.from(goodSod).toString("base64"),
        dataGroups: { "1": Buffer.from(changed).toString("base64") },
        at: AT,
      }),
      { "content-type": "application/json" },
    );
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({
      valid: false,
      dataGroups: [
        { number: 1, status: "invalid" },
        { number: 2, status: "not_checked" },
        { number: 14, status: "not_checked" },
      ],
      problems: ["DG1 does not match its hash in the SOD"],
    });
  });

  it("refuses a missing token (401), a body that is no document (400) and one over 1 MiB (413)", async () => {
    const anonymous = await fetch(`${served.url}/verify`, { method: "POST", body: Buffer.from(goodSod) });
    expect(anonymous.status).toBe(401);
    expect((await post("hello")).status).toBe(400);
    expect((await post(JSON.stringify({ document: 5 }), { "content-type": "application/json" })).status).toBe(
      400,
    );
    expect((await post(Buffer.alloc(1024 * 1024 + 1, 0x30))).status).toBe(413);
  });
});
