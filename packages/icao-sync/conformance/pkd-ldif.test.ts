import { describe, expect, it } from "vitest";
import { buildTrustStoreRows, parseLdif } from "../src/index.js";
import { fixture } from "./fixtures.js";

describe("icaopkd-003-complete-000090.ldif", () => {
  const result = parseLdif(fixture("icaopkd-003-complete-000090.ldif"));
  if (!result.ok) throw new Error(result.error.message);
  const content = result.value;

  it("holds 534 entries with 502 distinct DSCs and nothing else", () => {
    expect(content.entries).toBe(534);
    expect(content.dscs.length).toBe(502);
    expect(content.duplicates).toBe(0);
    expect(content.crls).toEqual([]);
    expect(content.masterLists).toEqual([]);
  });

  it("files the DSCs under 13 countries", () => {
    // Counted independently from the unfolded file's DNs. SOURCES.md names LV where the DSCs are HU:
    // the LV subtree holds only an o=ml container, the 12 Hungarian DSCs sit under c=HU (three as C=HU).
    const perCountry: Record<string, number> = {};
    for (const dsc of content.dscs)
      perCountry[dsc.country ?? "none"] = (perCountry[dsc.country ?? "none"] ?? 0) + 1;
    expect(perCountry).toEqual({
      US: 128,
      MD: 96,
      IE: 83,
      IT: 46,
      JP: 38,
      KR: 30,
      TM: 27,
      LU: 21,
      HU: 12,
      CN: 11,
      UA: 5,
      OM: 4,
      DE: 1,
    });
  });

  it("reads every entry as a non-conformant (003) DSC with its conformance codes, texts and pkdVersion", () => {
    expect(content.dscs.every((d) => d.collection === "003")).toBe(true);
    expect(content.barCodeSigners).toBe(0);
    expect(content.dscs.every((d) => d.conformanceCodes.length >= 1 && d.pkdVersion !== null)).toBe(true);
    expect(content.dscs.reduce((sum, d) => sum + d.conformanceCodes.length, 0)).toBe(2084);
    expect(content.dscs.reduce((sum, d) => sum + d.conformanceTexts.length, 0)).toBe(2084);
    expect(content.dscs[0]).toMatchObject({
      conformanceCodes: ["ERR:CSCA.BAC.25"],
      conformanceTexts: [
        "ERR:CSCA:Extension:BasicConstraints: Path Length must be present in Country Signing CA.",
      ],
      pkdVersion: 16,
    });
  });

  it("gives 502 dsc rows with issuer, isn and x_500_issuer filled", () => {
    const rows = buildTrustStoreRows(
      { dscs: content.dscs.map((d) => d.certificate) },
      { updatedAt: new Date() },
    );
    expect(rows.dsc.length).toBe(502);
    expect(
      rows.dsc.every(
        (r) => r.issuer.length > 0 && /^-?0x[0-9a-f]+$/.test(r.isn) && r.x_500_issuer.length > 0,
      ),
    ).toBe(true);
  });
});
