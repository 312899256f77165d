import { describe, expect, it } from "vitest";
import { parseMasterList } from "../parse/master-list.js";
import { generateIcaoPki, type IcaoPki } from "./icao-pki.js";
import { SeededRandom } from "./seeded-random.js";

function structure(pki: IcaoPki) {
  const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString("hex"));
  return {
    countries: pki.countries.map((c) => ({
      code: c.code,
      quirk: c.quirk,
      cscas: c.cscas.map((x) => [
        x.subject,
        x.serialNumber.toString(),
        hex(x.subjectKeyIdentifier),
        x.notBefore.toISOString(),
      ]),
      links: c.links.map((x) => [x.subject, x.serialNumber.toString(), hex(x.authorityKeyIdentifier)]),
      dscs: c.dscs.map((x) => [x.subject, x.serialNumber.toString()]),
      crl: c.crl.entries.map((e) => [
        e.serialNumber.toString(),
        e.revocationDate.toISOString(),
        e.reasonCode ?? null,
      ]),
    })),
    certList: pki.certList.length,
    dnLines: pki.ldif.dscsAndCrls.split("\n").filter((l) => l.startsWith("dn")),
  };
}

describe("generateIcaoPki", () => {
  const options = { extraCountries: 3, rsaModulusLength: 1024 } as const;

  it("gives the same names, serials, key identifiers, dates and counts for the same seed", () => {
    const a = generateIcaoPki({ seed: "same", ...options });
    const b = generateIcaoPki({ seed: "same", ...options });
    expect(structure(b)).toEqual(structure(a));
    expect(Buffer.from(a.masterList).equals(Buffer.from(b.masterList))).toBe(false); // fresh keys, same structure
  });

  it("gives a different PKI for another seed", () => {
    const a = generateIcaoPki({ seed: "one", ...options });
    const b = generateIcaoPki({ seed: "two", ...options });
    expect(structure(b)).not.toEqual(structure(a));
  });

  it("covers every quirk, includes link certificates, repeats one certList entry, and its list verifies", () => {
    const pki = generateIcaoPki({ seed: "coverage", ...options });
    expect(Object.keys(pki.quirks).sort()).toEqual([
      "escaped-values",
      "explicit-ca-false",
      "link-certificate",
      "lowercase-country",
      "multi-valued-rdn",
      "no-country",
      "no-key-identifiers",
      "three-letter-country",
    ]);
    expect(pki.countries.length).toBe(8 + 3);
    expect(pki.certList.length).toBe(pki.cscas.length + 1);
    const list = parseMasterList(pki.masterList);
    expect(list.ok && list.value.cscas.length).toBe(pki.cscas.length);
  });
});

describe("SeededRandom", () => {
  it("is reproducible and stays within its bounds", () => {
    const a = new SeededRandom("x");
    const b = new SeededRandom("x");
    const values = Array.from({ length: 1000 }, () => a.int(3, 9));
    expect(Array.from({ length: 1000 }, () => b.int(3, 9))).toEqual(values);
    expect(Math.min(...values)).toBe(3);
    expect(Math.max(...values)).toBe(9);
    expect(new SeededRandom("y").nextUint32()).not.toBe(new SeededRandom("x").nextUint32());
  });
});
