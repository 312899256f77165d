import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CountryPki,
  type GeneratedCertificate,
  generateDataGroups,
  generateSigningKey,
  issueDeviationListSigner,
  issueDocumentSigner,
  signDeviationList,
  signDocumentSecurityObject,
} from "@certs/icao-sync/testing";
import { createTestDatabase, runTypeScript, type TestDatabase } from "@certs/testdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Material, writeMaterial } from "./material.js";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const run = (args: string[]) => runTypeScript(CLI, args, { env: { CERTS_LOG_LEVEL: "warn" } });
const AT = "2025-07-01T00:00:00Z";
const DS_CERTIFICATE_DEFECT = "2.23.136.1.1.7.1.1";

let db: TestDatabase;
let material: Material;
let listFile: string;
const sods: Record<"listed" | "unlisted", string> = { listed: "", unlisted: "" };

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  material = await writeMaterial("check-deviations");
  const albania = material.pki.countries.find((c) => c.quirk === "lowercase-country") as CountryPki;
  const csca = albania.cscas[0] as GeneratedCertificate;
  const t = material.pki.signingTime.getTime();
  const validity = { notBefore: new Date(t - 86_400_000), notAfter: new Date(t + 365 * 86_400_000) };
  const listed = issueDocumentSigner({ csca, country: "AL", serialNumber: 0x6001n, ...validity });
  const unlisted = issueDocumentSigner({ csca, country: "AL", serialNumber: 0x6002n, ...validity });
  listFile = path.join(material.dir, "al.dvl");
  await writeFile(
    listFile,
    signDeviationList({
      signer: issueDeviationListSigner(csca, generateSigningKey("ecdsa-p256")),
      deviations: [
        {
          dsc: { certificate: listed, by: "issuerAndSerialNumber" },
          descriptions: [
            { type: DS_CERTIFICATE_DEFECT, description: "wrong keyUsage", parameters: Uint8Array.of(4, 0) },
          ],
        },
      ],
    }),
  );
  const groups = generateDataGroups("check-deviations");
  for (const [name, dsc] of [
    ["listed", listed],
    ["unlisted", unlisted],
  ] as const) {
    sods[name] = path.join(material.dir, `${name}.sod`);
    await writeFile(
      sods[name],
      signDocumentSecurityObject({ dsc, dataGroups: groups, signingTime: material.pki.signingTime }),
    );
  }
  const synced = await run([
    "run",
    "--source",
    material.masterList,
    "--trust-anchor",
    material.anchor,
    "--ldif",
    material.ldif,
    "--deviation-list",
    listFile,
    "--db",
    db.url,
  ]);
  if (synced.code !== 0) throw new Error(`the sync failed: ${synced.stderr}`);
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

describe("certs-icao-sync check against a store with a deviation list", () => {
  it("--json lists the deviation of the named DSC, none for another, and both stay valid (exit 0)", async () => {
    const result = await run(["check", sods.listed, sods.unlisted, "--json", "--at", AT, "--db", db.url]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [listed, unlisted] = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(listed).toMatchObject({
      file: sods.listed,
      valid: true,
      chain: "verified",
      dsc: { isn: "0x6001" },
    });
    expect(listed?.deviations).toEqual([
      { oid: DS_CERTIFICATE_DEFECT, parameters: "0400", description: "wrong keyUsage", source: listFile },
    ]);
    expect(unlisted).toMatchObject({ file: sods.unlisted, valid: true, dsc: { isn: "0x6002" } });
    expect(unlisted?.deviations).toEqual([]);
  });

  it("the one-line output counts the deviations of the named DSC", async () => {
    const result = await run(["check", sods.listed, "--at", AT, "--db", db.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `${sods.listed}: valid, sod verified, chain verified (CN=CSCA ALB,O=Ministry of Interior,C=al -0x4e), revocation not_revoked, 1 deviation(s)\n`,
    );
  });
});
