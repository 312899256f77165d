import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CountryPki,
  type GeneratedCertificate,
  generateDataGroups,
  generateIcaoPki,
  generateSigningKey,
  issueDeviationListSigner,
  issueDocumentSigner,
  signDeviationList,
  signDocumentSecurityObject,
  writePkdLdif,
} from "../testing/index.js";
import { syncTrustStore } from "../sync/sync-trust-store.js";
import {
  closeTestTrustStore,
  openTestTrustStore,
  type TestTrustStore,
  unwrap,
} from "../trust-store/test-trust-store.js";
import { TrustStoreReader } from "../trust-store/trust-store-reader.js";
import { verifyDocumentSecurityObject } from "./verify-document-security-object.js";

const DAY = 24 * 3600 * 1000;
const signingTime = new Date("2025-06-01T12:00:00Z");
const at = new Date("2025-07-01T00:00:00Z");
// id-icao-DeviationList deviation types of 9303-12: a defect in the DS certificate, and in the SOD's signature.
const DS_CERTIFICATE_DEFECT = "2.23.136.1.1.7.1.1";
const SOD_SIGNATURE_DEFECT = "2.23.136.1.1.7.2.3";

let store: TestTrustStore | undefined;
let pool: pg.Pool;
let listFile: string;
let listed: GeneratedCertificate;
let unlisted: GeneratedCertificate;
const groups = generateDataGroups("document-deviations");

beforeAll(async () => {
  store = await openTestTrustStore();
  ({ pool } = store);
  const pki = generateIcaoPki({ seed: "document-deviations", extraCountries: 0, rsaModulusLength: 1024 });
  const albania = pki.countries.find((c) => c.quirk === "lowercase-country") as CountryPki;
  const csca = albania.cscas[albania.cscas.length - 1] as GeneratedCertificate;
  const validity = {
    notBefore: new Date(signingTime.getTime() - 30 * DAY),
    notAfter: new Date("2027-01-01"),
  };
  listed = issueDocumentSigner({ csca, country: "AL", serialNumber: 0x5001n, ...validity });
  unlisted = issueDocumentSigner({ csca, country: "AL", serialNumber: 0x5002n, ...validity });

  const dir = await mkdtemp(path.join(tmpdir(), "icao-document-deviations-"));
  listFile = path.join(dir, "al.dvl");
  await writeFile(
    listFile,
    signDeviationList({
      signer: issueDeviationListSigner(csca, generateSigningKey("ecdsa-p256")),
      deviations: [
        {
          dsc: { certificate: listed, by: "issuerAndSerialNumber" },
          descriptions: [
            {
              type: DS_CERTIFICATE_DEFECT,
              description: "DS certificate: wrong keyUsage",
              parameters: Uint8Array.of(0x02, 0x01, 0x07),
            },
            { type: SOD_SIGNATURE_DEFECT },
          ],
        },
      ],
    }),
  );
  const ldif = writePkdLdif(
    "001",
    [listed, unlisted].map((dsc) => ({
      kind: "dsc" as const,
      country: "AL",
      subject: dsc.subject,
      serialNumber: dsc.serialNumber,
      der: dsc.der,
    })),
  );
  unwrap(
    await syncTrustStore(
      pool,
      {
        masterLists: [{ name: "list.ml", bytes: pki.masterList }],
        ldif: [{ name: "icaopkd-001.ldif", bytes: new TextEncoder().encode(ldif) }],
        trustAnchors: [{ name: "anchor.cer", bytes: pki.anchor.der }],
        deviationLists: [listFile],
      },
      { clock: () => at },
    ),
  );
}, 120_000);

afterAll(async () => {
  await closeTestTrustStore(store);
});

describe("passive authentication of a document whose DSC a stored deviation list names", () => {
  it("reports each deviation of that DSC and leaves valid to the checks (9303-12: not a reason to reject)", async () => {
    const reader = new TrustStoreReader(pool);
    const sod = signDocumentSecurityObject({ dsc: listed, dataGroups: groups, signingTime });
    const result = unwrap(await verifyDocumentSecurityObject(reader, sod, { at, dataGroups: groups }));
    expect(result).toMatchObject({
      valid: true,
      sodSignature: "verified",
      chain: "verified",
      dsc: { isn: "0x5001" },
      problems: [],
    });
    expect(result.deviations).toEqual([
      {
        oid: DS_CERTIFICATE_DEFECT,
        parameters: "020107",
        description: "DS certificate: wrong keyUsage",
        source: listFile,
      },
      { oid: SOD_SIGNATURE_DEFECT, parameters: null, description: null, source: listFile },
    ]);
    expect(result.notes).toContain(
      `a stored deviation list names this DSC (${DS_CERTIFICATE_DEFECT}, ${SOD_SIGNATURE_DEFECT})`,
    );
  });

  it("a document of another DSC of the same CSCA has no deviations", async () => {
    const reader = new TrustStoreReader(pool);
    const sod = signDocumentSecurityObject({ dsc: unlisted, dataGroups: groups, signingTime });
    const result = unwrap(await verifyDocumentSecurityObject(reader, sod, { at }));
    expect(result).toMatchObject({ valid: true, chain: "verified", dsc: { isn: "0x5002" } });
    expect(result.deviations).toEqual([]);
    expect(result.notes.filter((n) => n.includes("deviation"))).toEqual([]);
  });

  it("a deviation does not rescue a document that fails a check: valid stays false", async () => {
    const reader = new TrustStoreReader(pool);
    const sod = signDocumentSecurityObject({
      dsc: listed,
      dataGroups: groups,
      signingTime,
      tamper: "signature",
    });
    const result = unwrap(await verifyDocumentSecurityObject(reader, sod, { at }));
    expect(result).toMatchObject({ valid: false, sodSignature: "invalid" });
    expect(result.deviations.map((d) => d.oid)).toEqual([DS_CERTIFICATE_DEFECT, SOD_SIGNATURE_DEFECT]);
  });
});
