import { writeFile } from "node:fs/promises";
import {
  type CountryPki,
  generateDataGroups,
  signDocumentSecurityObject,
  signMasterList,
} from "@certs/icao-sync/testing";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { albaniaOf, issueAlbanianDsc, listFlags, type Material, writeMaterial } from "./material.js";
import { get, NEVER_SOON, serve, type Served, stop, untilReady, waitFor } from "./served-app.js";

const AT = "2025-07-01T00:00:00Z";

let db: TestDatabase;
let material: Material;
let served: Served;
let albania: CountryPki;
let sod: Uint8Array;

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  material = await writeMaterial("verify-after-sync");
  albania = albaniaOf(material);
  sod = signDocumentSecurityObject({
    dsc: issueAlbanianDsc(material, 0x7001n),
    dataGroups: generateDataGroups("verify-after-sync"),
    signingTime: material.pki.signingTime,
  });
  served = await serve([...listFlags(db.url, material), "--cron", NEVER_SOON], { CERTS_LOG_LEVEL: "warn" });
  await untilReady(served.url);
}, 120_000);

afterAll(async () => {
  if (served !== undefined) await stop(served);
  await db?.drop();
});

/** Starts a sync with POST /trigger and waits until it has ended. */
async function syncNow(): Promise<Record<string, unknown>> {
  const started = await get(`${served.url}/trigger`, { method: "POST" });
  expect(started.status).toBe(202);
  const startedAt = (started.body.run as { startedAt: string }).startedAt;
  return waitFor("the run to end", async () => {
    const last = (await get(`${served.url}/info`)).body.lastRun as Record<string, unknown> | null;
    return last?.startedAt === startedAt ? last : undefined;
  });
}

const verify = async () => {
  const response = await fetch(`${served.url}/verify`, {
    method: "POST",
    body: JSON.stringify({ document: Buffer.from(sod).toString("base64"), at: AT }),
    headers: { "content-type": "application/json" },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("serve: POST /verify after a sync", () => {
  it("a sync that removed the document's CSCA makes the next /verify say chain not_found, without waiting for the cache", async () => {
    expect(await syncNow()).toMatchObject({ status: "replaced" });
    const before = await verify();
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ valid: true, chain: "verified" });

    // The same list, re-signed without Albania's CSCAs and links.
    const albanian = new Set(
      [...albania.cscas, ...albania.links].map((c) => Buffer.from(c.der).toString("hex")),
    );
    const pki = material.pki;
    await writeFile(
      material.masterList,
      signMasterList({
        certificates: pki.certList.filter((der) => !albanian.has(Buffer.from(der).toString("hex"))),
        signer: pki.signer,
        includedCertificates: [pki.signer.der, pki.anchorRenewal.der],
        signingTime: pki.signingTime,
      }),
    );
    expect(await syncNow()).toMatchObject({ status: "replaced" });

    const after = await verify();
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({
      valid: false,
      sodSignature: "verified",
      chain: "not_found",
      csca: null,
    });
  });
});
