import { mkdtemp, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPgPool, parseConnectionUrl } from "@certs/db";
import { createTestDatabase, type TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "../parse/certificate-summary.js";
import {
  generateIcaoPki,
  generateSigningKey,
  type GeneratedCertificate,
  type IcaoPki,
  issueCertificate,
  issueDeviationListSigner,
  signDeviationList,
  simpleName,
  writePkdLdif,
} from "../testing/index.js";
import { findDeviations } from "../trust-store/deviation-list-store.js";
import { migrateTrustStore } from "../trust-store/trust-store-migrations.js";
import { inspectSources } from "./inspect-sources.js";
import type { SyncInput } from "./sync-input.js";
import { syncTrustStore } from "./sync-trust-store.js";

let db: TestDatabase;
let pool: pg.Pool;
let dir: string;
let pki: IcaoPki;
let base: SyncInput;
let csca: GeneratedCertificate;
let dsc: GeneratedCertificate;
let signer: GeneratedCertificate;

const DS_SIGNATURE = "2.23.136.1.1.7.1.1";
const SOD_SIGNATURE_WRONG = "2.23.136.1.1.7.2.3";
const clock = () => new Date("2026-01-10T00:00:00Z");

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

async function write(name: string, content: Uint8Array | string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function rows(table: string): Promise<Record<string, unknown>[]> {
  return (await pool.query(`SELECT * FROM ${table}`)).rows;
}

/** Everything a refused sync must leave as it was. */
async function snapshot(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ["root_ca", "dsc", "deviation_list", "icao_sync_log"]) {
    out[table] = (await pool.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map(
      (r) => r.id,
    );
  }
  return out;
}

beforeAll(async () => {
  db = await createTestDatabase("postgres");
  const spec = parseConnectionUrl(db.url);
  if (!spec.ok || spec.value.kind !== "postgres") throw new Error("a PostgreSQL test database was expected");
  pool = unwrap(createPgPool(spec.value, { poolSize: 2 }));
  unwrap(await migrateTrustStore(pool));
  pki = generateIcaoPki({ seed: "deviation-lists", extraCountries: 1, rsaModulusLength: 1024 });
  const country = pki.countries.find((c) => c.quirk === null) ?? pki.countries[0];
  if (country === undefined) throw new Error("no country generated");
  csca = country.cscas[0] as GeneratedCertificate;
  dsc = country.dscs[0] as GeneratedCertificate;
  signer = issueDeviationListSigner(csca, generateSigningKey("ecdsa-p256"));
  dir = await mkdtemp(path.join(tmpdir(), "icao-deviation-"));
  base = {
    masterLists: [await write("list.ml", pki.masterList)],
    ldif: [await write("icaopkd-001.ldif", pki.ldif.dscsAndCrls)],
    trustAnchors: [await write("anchor.cer", pki.anchor.der)],
  };
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

function goodList(): Uint8Array {
  return signDeviationList({
    signer,
    signingTime: new Date("2025-11-01T00:00:00Z"),
    deviations: [
      {
        dsc: { certificate: dsc, by: "issuerAndSerialNumber" },
        descriptions: [
          { type: DS_SIGNATURE, description: "DS certificate signature", parameters: Uint8Array.of(2, 1, 7) },
        ],
      },
      {
        documentType: "P",
        issuedBetween: [new Date("2024-01-01T00:00:00Z"), new Date("2024-06-30T00:00:00Z")],
        documentNumbers: ["C01X00001", "C01X00002"],
        descriptions: [{ type: SOD_SIGNATURE_WRONG }],
      },
    ],
  });
}

describe("deviation lists", () => {
  it("a deviation list signed by a Deviation List Signer of a trusted CSCA is stored and shown by inspect", async () => {
    const file = await write("good.dvl", goodList());
    const outcome = unwrap(await syncTrustStore(pool, { ...base, deviationLists: [file] }, { clock }));
    expect(outcome.status).toBe("replaced");
    expect(outcome.verification.deviationLists).toEqual([
      expect.objectContaining({ source: file, deviations: 2, rows: 2, signature: "verified" }),
    ]);
    const stored = await rows("deviation_list ORDER BY deviation_type");
    const dscSummary = unwrap(parseCertificate(dsc.der));
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({
      deviation_type: DS_SIGNATURE,
      description: "DS certificate signature",
      status: "verified",
      source: file,
      dsc_issuer: dscSummary.issuer,
      dsc_isn: dscSummary.serialNumber,
      document_type: null,
      document_numbers: null,
    });
    expect(Buffer.from(stored[0]?.parameters as Buffer).toString("hex")).toBe("020107");
    expect(Buffer.from(stored[0]?.dsc_x_500_issuer as Buffer)).toEqual(Buffer.from(dscSummary.issuerDer));
    expect(stored[1]).toMatchObject({
      deviation_type: SOD_SIGNATURE_WRONG,
      document_type: "P",
      document_numbers: ["C01X00001", "C01X00002"],
      dsc_isn: null,
    });
    expect((stored[1]?.issued_from as Date).getFullYear()).toBe(2024);

    // The stored deviation is found for the DSC, by issuer and serial number.
    const found = unwrap(
      await findDeviations(pool, {
        issuer: dscSummary.issuer,
        serialNumber: dscSummary.serialNumber,
        subjectKeyIdentifier: null,
      }),
    );
    expect(found.map((d) => [d.deviationType, d.matchedBy, d.parameters])).toEqual([
      [DS_SIGNATURE, "issuerAndSerialNumber", "020107"],
    ]);

    const report = unwrap(await inspectSources({ ...base, deviationLists: [file] }, { clock }));
    expect(report.deviation_list.map((r) => r.deviation_type).sort()).toEqual([
      DS_SIGNATURE,
      SOD_SIGNATURE_WRONG,
    ]);
    expect(report.deviation_list.find((r) => r.deviation_type === DS_SIGNATURE)?.parameters).toBe("020107");
  });

  it("deviations naming a DSC by subjectKeyIdentifier or certificate digest are found for that DSC", async () => {
    const file = await write(
      "by-key.dvl",
      signDeviationList({
        signer,
        deviations: [
          { dsc: { certificate: dsc, by: "subjectKeyIdentifier" }, descriptions: [{ type: DS_SIGNATURE }] },
          {
            dsc: { certificate: dsc, by: "certificateDigest" },
            descriptions: [{ type: SOD_SIGNATURE_WRONG }],
          },
        ],
      }),
    );
    unwrap(await syncTrustStore(pool, { ...base, deviationLists: [file] }, { clock }));
    const summary = unwrap(parseCertificate(dsc.der));
    const found = unwrap(
      await findDeviations(pool, {
        issuer: "CN=somebody else",
        serialNumber: "0x1",
        subjectKeyIdentifier: summary.subjectKeyIdentifier,
        der: dsc.der,
      }),
    );
    expect(found.map((d) => d.matchedBy).sort()).toEqual(["certificateDigest", "subjectKeyIdentifier"]);
    expect((await rows("deviation_list")).map((r) => r.dsc_certificate_digest).filter(Boolean)).toEqual([
      createHash("sha256").update(dsc.der).digest("hex"),
    ]);
  });

  it("a list whose signer lacks the Deviation List Signer extendedKeyUsage is refused and nothing is stored", async () => {
    const before = await snapshot();
    const notDls = issueDeviationListSigner(csca, generateSigningKey("ecdsa-p256"), {
      extendedKeyUsage: ["2.23.136.1.1.3"],
    });
    const file = await write(
      "not-dls.dvl",
      signDeviationList({
        signer: notDls,
        deviations: [{ documentType: "P", descriptions: [{ type: DS_SIGNATURE }] }],
      }),
    );
    const outcome = await syncTrustStore(pool, { ...base, deviationLists: [file] }, { clock, force: true });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe("SIGNATURE_ERROR");
    expect(outcome.error.message).toContain("is not a Deviation List Signer");
    expect(await snapshot()).toEqual(before);
  });

  it("a list signed under a CSCA nobody trusts is refused and nothing is stored", async () => {
    const before = await snapshot();
    const key = generateSigningKey("ecdsa-p256");
    const stranger = issueCertificate({
      subject: simpleName(
        ["C", csca.subject.flat().find((a) => a.type === "C")?.value ?? "ZZ"],
        ["CN", "Rogue CSCA"],
      ),
      serialNumber: 77n,
      notBefore: new Date("2024-01-01T00:00:00Z"),
      notAfter: new Date("2034-01-01T00:00:00Z"),
      key,
      subjectKeyIdentifier: Uint8Array.of(9, 9, 9, 9),
    });
    const rogueSigner = issueDeviationListSigner(stranger, generateSigningKey("ecdsa-p256"));
    const file = await write(
      "rogue.dvl",
      signDeviationList({
        signer: rogueSigner,
        deviations: [{ documentType: "P", descriptions: [{ type: DS_SIGNATURE }] }],
      }),
    );
    const outcome = await syncTrustStore(pool, { ...base, deviationLists: [file] }, { clock, force: true });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe("SIGNATURE_ERROR");
    expect(outcome.error.message).toContain("is not issued by a trusted CSCA");
    expect(await snapshot()).toEqual(before);
  });

  it("a tampered list is a SIGNATURE_ERROR, a malformed one a PARSE_ERROR, and neither touches the store", async () => {
    const before = await snapshot();
    const tampered = await write(
      "tampered.dvl",
      signDeviationList({
        signer,
        tamper: "content",
        deviations: [{ documentType: "P", descriptions: [{ type: DS_SIGNATURE }] }],
      }),
    );
    const signatureFailure = await syncTrustStore(
      pool,
      { ...base, deviationLists: [tampered] },
      { clock, force: true },
    );
    expect(signatureFailure.ok ? null : signatureFailure.error.code).toBe("SIGNATURE_ERROR");
    expect(signatureFailure.ok ? "" : signatureFailure.error.message).toContain(
      "The deviation list signature is not valid",
    );

    const good = goodList();
    const malformed = [
      good.subarray(0, good.length - 40),
      signDeviationList({ signer, version: 1, deviations: [] }),
      // A deviation without a single criterion naming the documents it concerns.
      signDeviationList({ signer, deviations: [{ descriptions: [{ type: DS_SIGNATURE }] }] }),
      signDeviationList({ signer, eContentType: "2.23.136.1.1.2", deviations: [] }),
    ];
    for (const [i, bytes] of malformed.entries()) {
      const file = await write(`malformed-${i}.dvl`, bytes);
      const outcome = await syncTrustStore(pool, { ...base, deviationLists: [file] }, { clock, force: true });
      expect(outcome.ok ? null : outcome.error.code, `malformed input ${i}`).toBe("PARSE_ERROR");
      expect(outcome.ok ? "" : outcome.error.message).toContain(file);
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("operator CSCAs", () => {
  let operatorCsca: GeneratedCertificate;
  let operatorDsc: GeneratedCertificate;

  beforeAll(() => {
    const key = generateSigningKey("ecdsa-p256");
    operatorCsca = issueCertificate({
      subject: simpleName(["C", "QQ"], ["O", "Government of QQ"], ["CN", "CSCA QQ"]),
      serialNumber: 4242n,
      notBefore: new Date("2024-01-01T00:00:00Z"),
      notAfter: new Date("2036-01-01T00:00:00Z"),
      key,
      subjectKeyIdentifier: Uint8Array.of(0x51, 0x51, 1),
    });
    operatorDsc = issueCertificate({
      subject: simpleName(["C", "QQ"], ["CN", "DS QQ 1"]),
      serialNumber: 99n,
      notBefore: new Date("2024-02-01T00:00:00Z"),
      notAfter: new Date("2030-01-01T00:00:00Z"),
      key: generateSigningKey("ecdsa-p256"),
      issuer: operatorCsca,
      subjectKeyIdentifier: Uint8Array.of(0x51, 0x51, 2),
      basicConstraints: "none",
      keyUsage: 0x80,
    });
  });

  it("an operator CSCA is stored with provenance operator and the DSCs it issued verify", async () => {
    const ldif = await write(
      "qq.ldif",
      writePkdLdif("001", [
        {
          kind: "dsc",
          country: "QQ",
          subject: operatorDsc.subject,
          serialNumber: operatorDsc.serialNumber,
          der: operatorDsc.der,
        },
      ]),
    );
    const cscaFile = await write(
      "qq-csca.pem",
      `-----BEGIN CERTIFICATE-----\n${Buffer.from(operatorCsca.der).toString("base64")}\n-----END CERTIFICATE-----\n`,
    );
    const withoutCsca = unwrap(
      await syncTrustStore(pool, { ...base, ldif: [...(base.ldif ?? []), ldif] }, { clock }),
    );
    expect(withoutCsca.verification.dscs.unverifiable).toBe(1);

    const outcome = unwrap(
      await syncTrustStore(
        pool,
        { ...base, ldif: [...(base.ldif ?? []), ldif], cscas: [cscaFile] },
        { clock },
      ),
    );
    expect(outcome.counts.root_ca).toBe(pki.cscas.length + 1);
    expect(outcome.counts.dsc).toBe(pki.dscs.length + 1);
    expect(outcome.verification.dscs.unverifiable).toBe(0);
    const cscaRow = await pool.query<{ status: string; collection: string; source: string; isn: string }>(
      `SELECT p.status, p.collection, p.source, r.isn FROM root_ca r
       JOIN icao_sync_provenance p ON p.table_name = 'root_ca' AND p.row_id = r.id WHERE r.certificate = $1`,
      [Buffer.from(operatorCsca.der)],
    );
    expect(cscaRow.rows).toEqual([
      { status: "operator", collection: "csca-file", source: cscaFile, isn: "0x1092" },
    ]);
    const dscRow = await pool.query<{ status: string; detail: string }>(
      `SELECT p.status, p.detail FROM dsc d JOIN icao_sync_provenance p ON p.table_name = 'dsc' AND p.row_id = d.id
       WHERE d.certificate = $1`,
      [Buffer.from(operatorDsc.der)],
    );
    expect(dscRow.rows[0]?.status).toBe("verified");
  });

  it("operator CSCAs anchor a sync without --trust-anchor for the DSCs they issued", async () => {
    const cscaFile = await write("qq-csca.der", operatorCsca.der);
    const ldif = await write(
      "qq-only.ldif",
      writePkdLdif("001", [
        {
          kind: "dsc",
          country: "QQ",
          subject: operatorDsc.subject,
          serialNumber: operatorDsc.serialNumber,
          der: operatorDsc.der,
        },
      ]),
    );
    const outcome = unwrap(await syncTrustStore(pool, { ldif: [ldif], cscas: [cscaFile] }, { clock }));
    expect(outcome.counts).toMatchObject({ root_ca: 1, dsc: 1 });
  });

  it("a file that is not a certificate, or a certificate that is no CA, is refused and nothing is written", async () => {
    const before = await snapshot();
    const garbage = await write(
      "garbage.pem",
      "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    );
    const notCa = await write("dsc-as-csca.der", operatorDsc.der);
    const parse = await syncTrustStore(pool, { ...base, cscas: [garbage] }, { clock, force: true });
    expect(parse.ok ? null : [parse.error.code, parse.error.message]).toEqual([
      "PARSE_ERROR",
      expect.stringContaining(`Operator CSCA file ${garbage} `),
    ]);
    const validation = await syncTrustStore(pool, { ...base, cscas: [notCa] }, { clock, force: true });
    expect(validation.ok ? null : [validation.error.code, validation.error.message]).toEqual([
      "VALIDATION_ERROR",
      expect.stringContaining("is not a CA"),
    ]);
    expect(await snapshot()).toEqual(before);
  });
});
