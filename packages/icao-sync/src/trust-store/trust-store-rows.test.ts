import { beforeAll, describe, expect, it } from "vitest";
import { parseCrl } from "../parse/crl.js";
import { parseLdif } from "../parse/ldif.js";
import { type MasterList, parseMasterList } from "../parse/master-list.js";
import { generateIcaoPki, type IcaoPki } from "../testing/index.js";
import { buildTrustStoreRows } from "./trust-store-rows.js";

let pki: IcaoPki;
let list: MasterList;
const syncTime = new Date("2026-01-02T03:04:05.678Z");
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

beforeAll(() => {
  pki = generateIcaoPki({ seed: "rows", extraCountries: 1, rsaModulusLength: 1024 });
  const parsed = parseMasterList(pki.masterList);
  if (!parsed.ok) throw new Error(parsed.error.message);
  list = parsed.value;
});

function crls() {
  return pki.crls.map((c) => {
    const parsed = parseCrl(c.der);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return parsed.value;
  });
}

describe("buildTrustStoreRows", () => {
  it("writes root_ca rows with the seed's column formats", () => {
    const rows = buildTrustStoreRows({ cscas: list.cscas }, { updatedAt: syncTime });
    expect(rows.root_ca.length).toBe(pki.cscas.length);
    const lithuania = rows.root_ca.find((r) => r.issuer === "CN=CSCA LTU,O=Republic of Lithuania,C=LTU");
    const generated = pki.quirks["three-letter-country"];
    expect(lithuania).toEqual({
      id: expect.stringMatching(UUID_V4),
      certificate: generated.der,
      subject_key_identifier: Buffer.from(generated.subjectKeyIdentifier ?? []).toString("hex"),
      authority_key_identifier: Buffer.from(generated.subjectKeyIdentifier ?? []).toString("hex"),
      issuer: "CN=CSCA LTU,O=Republic of Lithuania,C=LTU",
      x_500_issuer: expect.any(Uint8Array),
      source: "icao-masterlist",
      isn: "-0x3efffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeee",
      updated_at: syncTime,
    });
    expect(Buffer.from(generated.der).includes(Buffer.from(lithuania?.x_500_issuer ?? []))).toBe(true);
    expect(new Set(rows.root_ca.map((r) => r.id)).size).toBe(rows.root_ca.length);
  });

  it("deduplicates certificates by DER within a table", () => {
    const rows = buildTrustStoreRows({ cscas: [...list.cscas, ...list.cscas] }, { updatedAt: syncTime });
    expect(rows.root_ca.length).toBe(list.cscas.length);
  });

  it("writes dsc rows from LDIF certificates with the same columns", () => {
    const ldif = parseLdif(pki.ldif.dscsAndCrls);
    if (!ldif.ok) throw new Error(ldif.error.message);
    const rows = buildTrustStoreRows(
      { dscs: ldif.value.dscs.map((d) => d.certificate) },
      { updatedAt: syncTime, source: "icao-pkd" },
    );
    expect(rows.dsc.length).toBe(pki.dscs.length);
    expect(rows.dsc.every((r) => r.source === "icao-pkd" && r.subject_key_identifier !== null)).toBe(true);
    expect(rows.root_ca).toEqual([]);
  });

  it("links each revoked entry to its CRL row, inheriting the country, with snake_case reasons and UTC dates", () => {
    const rows = buildTrustStoreRows({ crls: crls() }, { updatedAt: syncTime });
    expect(rows.crls.length).toBe(pki.crls.length);
    const netherlands = rows.crls.find((c) => c.country === "NL");
    const entries = rows.revoked_certificate_list.filter((r) => r.crl === netherlands?.id);
    expect(entries.length).toBe(11);
    expect(entries[1]).toEqual({
      id: expect.stringMatching(UUID_V4),
      source: "icao-masterlist",
      country: "NL",
      isn: "0x3e9",
      crl: netherlands?.id,
      revocation_reason: "key_compromise",
      revocation_date: new Date("2025-05-30T12:00:00.000Z"),
      updated_at: syncTime,
    });
    const italy = rows.crls.find((c) => c.issuer === "CN=CSCA No Country,O=Istituto Poligrafico");
    expect(italy?.country).toBeNull();
    expect(
      rows.revoked_certificate_list.filter((r) => r.crl === italy?.id).every((r) => r.country === null),
    ).toBe(true);
    const total = pki.crls.reduce((n, c) => n + c.entries.length, 0);
    expect(rows.revoked_certificate_list.length).toBe(total);
  });

  it("uses the id generator it is given", () => {
    let n = 0;
    const rows = buildTrustStoreRows(
      { cscas: list.cscas.slice(0, 2) },
      { updatedAt: syncTime, newId: () => `id-${++n}` },
    );
    expect(rows.root_ca.map((r) => r.id)).toEqual(["id-1", "id-2"]);
  });

  it("an empty content gives empty tables", () => {
    expect(buildTrustStoreRows({}, { updatedAt: syncTime })).toEqual({
      root_ca: [],
      dsc: [],
      crls: [],
      revoked_certificate_list: [],
    });
  });
});
