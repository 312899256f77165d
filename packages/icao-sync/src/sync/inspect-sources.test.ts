import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateIcaoPki, type IcaoPki } from "../testing/index.js";
import { inspectSources } from "./inspect-sources.js";

let pki: IcaoPki;
let dir: string;
const at = new Date("2026-01-02T03:04:05.006Z");

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

// Python's hex() of a signed integer, written independently of the library's serial-number module.
function pythonHex(value: bigint): string {
  return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

const reasonNames: Record<number, string> = {
  0: "unspecified",
  1: "key_compromise",
  2: "ca_compromise",
  3: "affiliation_changed",
  4: "superseded",
  5: "cessation_of_operation",
  6: "certificate_hold",
  8: "remove_from_crl",
  9: "privilege_withdrawn",
  10: "aa_compromise",
};

beforeAll(async () => {
  pki = generateIcaoPki({ seed: "inspect", rsaModulusLength: 1024 });
  dir = await mkdtemp(path.join(tmpdir(), "icao-inspect-"));
  await writeFile(path.join(dir, "list.ml"), pki.masterList);
  await writeFile(path.join(dir, "anchor.cer"), pki.anchor.der);
  await writeFile(path.join(dir, "dscs.ldif"), pki.ldif.dscsAndCrls);
});

describe("inspectSources", () => {
  it("returns exactly the rows a sync would store, by column name, bytes as hex and times as ISO UTC", async () => {
    const result = await inspectSources(
      {
        masterLists: [path.join(dir, "list.ml")],
        ldif: [path.join(dir, "dscs.ldif")],
        trustAnchors: [path.join(dir, "anchor.cer")],
      },
      { clock: () => at, sourceLabel: "test-source" },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const report = result.value;
    expect(Object.keys(report).sort()).toEqual([
      "crls",
      "deviation_list",
      "dsc",
      "icao_sync_provenance",
      "revoked_certificate_list",
      "root_ca",
      "sources",
      "verification",
    ]);

    expect(report.root_ca.map((r) => r.certificate).sort()).toEqual(pki.cscas.map((c) => hex(c.der)).sort());
    expect(report.dsc.map((r) => r.certificate).sort()).toEqual(pki.dscs.map((c) => hex(c.der)).sort());
    const anchorRow = report.root_ca.find((r) => r.certificate === hex(pki.anchor.der));
    expect(anchorRow).toMatchObject({
      isn: pythonHex(pki.anchor.serialNumber),
      subject_key_identifier: hex(pki.anchor.subjectKeyIdentifier ?? new Uint8Array()),
      source: "test-source",
      updated_at: "2026-01-02T03:04:05.006Z",
    });
    expect(Object.keys(anchorRow ?? {}).sort()).toEqual([
      "authority_key_identifier",
      "certificate",
      "id",
      "isn",
      "issuer",
      "source",
      "subject_key_identifier",
      "updated_at",
      "x_500_issuer",
    ]);
    // The issuer Name's DER sits inside the certificate's DER.
    expect(anchorRow?.certificate).toContain(anchorRow?.x_500_issuer);
    expect(anchorRow?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    expect(report.crls.map((r) => r.crl).sort()).toEqual(pki.crls.map((c) => hex(c.der)).sort());
    const expectedRevoked = pki.crls.flatMap((crl) =>
      crl.entries.map((entry) => ({
        crl: hex(crl.der),
        isn: pythonHex(entry.serialNumber),
        revocation_reason: entry.reasonCode === undefined ? null : reasonNames[entry.reasonCode],
        revocation_date: entry.revocationDate.toISOString(),
      })),
    );
    const crlHexById = new Map(report.crls.map((r) => [r.id, r.crl]));
    const actualRevoked = report.revoked_certificate_list.map((r) => ({
      crl: crlHexById.get(r.crl),
      isn: r.isn,
      revocation_reason: r.revocation_reason,
      revocation_date: r.revocation_date,
    }));
    const key = (r: { crl: string | undefined; isn: string }) => `${r.crl}/${r.isn}`;
    expect(actualRevoked.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      expectedRevoked.sort((a, b) => key(a).localeCompare(key(b))),
    );

    expect(report.verification.lists).toHaveLength(1);
    expect(report.verification.lists[0]).toMatchObject({ signature: "verified", chain: "verified" });
    // Plain JSON: nothing is lost or changed by a round trip.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("fails like a sync would on a list whose signature does not verify", async () => {
    const bad = generateIcaoPki({ seed: "inspect-bad", rsaModulusLength: 1024, tamper: "content" });
    const result = await inspectSources({ masterLists: [{ name: "bad.ml", bytes: bad.masterList }] });
    expect(!result.ok && result.error.code).toBe("SIGNATURE_ERROR");
    expect(!result.ok && result.error.message).toMatch(/^bad\.ml: /);
  });

  it("asks for a source when none is given", async () => {
    const result = await inspectSources({ trustAnchors: [path.join(dir, "anchor.cer")] });
    expect(!result.ok && result.error.code).toBe("CONFIGURATION_ERROR");
  });
});
