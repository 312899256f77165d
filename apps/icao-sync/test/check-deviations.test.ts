import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  generateDataGroups,
  generateSigningKey,
  issueDeviationListSigner,
  signDeviationList,
  signDocumentSecurityObject,
  type GeneratedCertificate,
} from "@certs/icao-sync/testing";
import type { TestDatabase } from "@certs/testdb";
import { beforeAll, describe, expect, it } from "vitest";
import { albaniaOf, issueAlbanianDsc, listFlags, type Material, useTestStore } from "./material.js";
import { runCli as run, runCliOrThrow } from "./served-app.js";

const AT = "2025-07-01T00:00:00Z";
const DS_CERTIFICATE_DEFECT = "2.23.136.1.1.7.1.1";

let db: TestDatabase;
let material: Material;
let listFile: string;
const sods: Record<"listed" | "unlisted", string> = { listed: "", unlisted: "" };
useTestStore("check-deviations", (store) => ({ db, material } = store));

beforeAll(async () => {
  const csca = albaniaOf(material).cscas[0] as GeneratedCertificate;
  const listed = issueAlbanianDsc(material, 0x6001n);
  const unlisted = issueAlbanianDsc(material, 0x6002n);
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
  await runCliOrThrow("the sync", [
    "run",
    ...listFlags(db.url, material),
    "--ldif",
    material.ldif,
    "--deviation-list",
    listFile,
  ]);
}, 120_000);

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
