import { beforeAll, describe, expect, it } from "vitest";
import { type LdifRecordContent, parseLdif, streamLdif } from "./ldif.js";
import { generateIcaoPki, type IcaoPki, signMasterList, writePkdLdif } from "../testing/index.js";

let pki: IcaoPki;
beforeAll(() => {
  pki = generateIcaoPki({ seed: "ldif", extraCountries: 2, rsaModulusLength: 1024 });
});

function parsed(input: string | Uint8Array) {
  const result = parseLdif(input);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

const hex = (der: Uint8Array): string => Buffer.from(der).toString("hex");

describe("collection 001 (DSCs and CRLs)", () => {
  it("yields every DSC with its PKD country and every CRL", () => {
    const content = parsed(pki.ldif.dscsAndCrls);
    expect(content.dscs.map((d) => hex(d.certificate.der)).sort()).toEqual(
      pki.dscs.map((d) => hex(d.der)).sort(),
    );
    const expectedCountries = pki.countries.flatMap((c) => c.dscs.map((d) => [hex(d.der), c.code]));
    expect(content.dscs.map((d) => [hex(d.certificate.der), d.country]).sort()).toEqual(
      expectedCountries.sort(),
    );
    expect(content.crls.map((c) => hex(c.crl.der)).sort()).toEqual(pki.crls.map((c) => hex(c.der)).sort());
    expect(content.duplicates).toBe(0);
    expect(content.masterLists).toEqual([]);
  });

  it("the generated file really folds long lines and base64-encodes non-ASCII DNs", () => {
    const lines = pki.ldif.dscsAndCrls.split("\n");
    expect(Math.max(...lines.map((l) => l.length))).toBe(78);
    expect(lines.filter((l) => l.startsWith(" ")).length).toBeGreaterThan(100);
    expect(lines.some((l) => l.startsWith("dn:: "))).toBe(true);
  });

  it("reads an escaped DN decoded from base64", () => {
    const content = parsed(pki.ldif.dscsAndCrls);
    const greek = content.crls.find((c) => c.crl.country === "GR");
    expect(greek?.dn.startsWith("cn=C\\=GR\\,O\\=Ελληνική Δημοκρατία\\,OU\\=Cafe Societe\\,")).toBe(true);
    expect(greek?.dn.endsWith(",o=crl,c=GR,dc=data,dc=download,dc=pkd,dc=icao,dc=int")).toBe(true);
  });

  it("gives the same content whatever the fold width and with CRLF line ends", () => {
    const entries = pki.countries.flatMap((c) =>
      c.dscs.map((d) => ({
        kind: "dsc" as const,
        country: c.code,
        subject: d.subject,
        serialNumber: d.serialNumber,
        der: d.der,
      })),
    );
    const narrow = parsed(writePkdLdif("001", entries, { foldAt: 20 }).replace(/\n/g, "\r\n"));
    expect(narrow.dscs.map((d) => hex(d.certificate.der))).toEqual(entries.map((e) => hex(e.der)));
  });

  it("deduplicates certificates by DER and counts the repeats", () => {
    const dsc = pki.dscs[0];
    if (dsc === undefined) throw new Error("no DSC");
    const entry = {
      kind: "dsc" as const,
      country: "AL",
      subject: dsc.subject,
      serialNumber: dsc.serialNumber,
      der: dsc.der,
    };
    const content = parsed(writePkdLdif("001", [entry, { ...entry, country: "XX" }]));
    expect(content.dscs.length).toBe(1);
    expect(content.duplicates).toBe(1);
  });
});

describe("collection 003 (non-conformant DSCs)", () => {
  it("yields the DSCs despite the conformance remarks", () => {
    const content = parsed(pki.ldif.nonConformant);
    const ukraine = pki.countries.find((c) => c.code === "UA");
    expect(content.dscs.map((d) => hex(d.certificate.der))).toEqual(ukraine?.dscs.map((d) => hex(d.der)));
    expect(
      content.dscs.every((d) => d.dn.endsWith(",o=dsc,c=UA,dc=nc-data,dc=download,dc=pkd,dc=icao,dc=int")),
    ).toBe(true);
  });
});

describe("collection 002 (master lists)", () => {
  it("parses and verifies the nested master list", () => {
    const content = parsed(pki.ldif.masterLists);
    expect(content.masterLists.length).toBe(1);
    const nested = content.masterLists[0];
    const nl = pki.countries.find((c) => c.code === "NL");
    expect(nested?.country).toBe("NL");
    expect(nested?.masterList.cscas.map((c) => hex(c.der))).toEqual(
      [...(nl?.cscas ?? []), ...(nl?.links ?? [])].map((c) => hex(c.der)),
    );
    expect(nested?.masterList.verification?.chainChecked).toBe(false);
  });

  it("refuses a nested master list whose signature does not verify, naming the entry", () => {
    const tampered = signMasterList({
      certificates: [pki.anchor.der],
      signer: pki.signer,
      tamper: "signature",
    });
    const ldif = writePkdLdif("002", [
      { kind: "ml", country: "UT", signer: pki.signer.subject, serialNumber: 1n, der: tampered },
    ]);
    const result = parseLdif(ldif);
    expect(!result.ok && result.error.code).toBe("SIGNATURE_ERROR");
    expect(!result.ok && result.error.message).toMatch(
      /\(LDIF value pkdMasterListContent at line \d+, dn cn=.*,o=ml,c=UT,/,
    );
  });
});

describe("malformed LDIF gives a PARSE_ERROR naming the line", () => {
  it.each([
    [" continued\n", "LDIF line 1 continues nothing"],
    ["version: 1\n\nobjectClass: top\n", "LDIF line 3 starts a record without 'dn:'"],
    ["dn: c=UT,dc=data\nno colon here\n", "LDIF line 2 is not 'attribute: value'"],
    [
      "dn: c=UT,dc=data\nuserCertificate;binary:: MIIB*invalid*\n",
      "LDIF value userCertificate;binary at line 2 is not valid base64",
    ],
    [
      "dn: c=UT,dc=data\nuserCertificate;binary: not base64\n",
      "is not base64 (expected 'userCertificate;binary::')",
    ],
    [
      "dn: c=UT,dc=data\nuserCertificate;binary:< file:///etc/passwd\n",
      "LDIF line 2 refers to a URL value, which is not supported",
    ],
    ["dn: cn=a,novalue\nobjectClass: top\n", "has an attribute without a type or '='"],
  ])("%j", (text, message) => {
    const result = parseLdif(text);
    expect(!result.ok && result.error.code).toBe("PARSE_ERROR");
    expect(!result.ok && result.error.message).toContain(message);
  });

  it("refuses bytes that are not UTF-8", () => {
    const result = parseLdif(Uint8Array.from([0x64, 0x6e, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
    expect(!result.ok && result.error.code).toBe("PARSE_ERROR");
  });

  it("refuses an input over the size limit", () => {
    const result = parseLdif(pki.ldif.dscsAndCrls, { limits: { maxInputBytes: 1000 } });
    expect(!result.ok && result.error.message).toMatch(/over the limit of 1000/);
  });

  it("skips comments, folded comments included", () => {
    const content = parsed("version: 1\n# a comment\n  folded: not an attribute\ndn: c=UT,dc=data\nc: UT\n");
    expect(content.entries).toBe(1);
  });
});

describe("streamLdif", () => {
  async function streamed(bytes: Uint8Array, chunkBytes: number) {
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += chunkBytes) yield bytes.subarray(at, at + chunkBytes);
    }
    const seen = new Set<string>();
    const items: LdifRecordContent[] = [];
    for await (const item of streamLdif(chunks(), {}, (der) => {
      const key = hex(der);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })) {
      if (!item.ok) return item;
      items.push(item.value);
    }
    return { ok: true as const, value: items };
  }

  it("gives entry by entry what parseLdif gives for the whole file, wherever the chunks split it", async () => {
    // CRLF line ends and a non-ASCII DN, so chunks also split CR from LF and UTF-8 sequences.
    const text = pki.ldif.dscsAndCrls.replace(/\n/g, "\r\n");
    const whole = parsed(text);
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 7, 4096, bytes.length]) {
      const result = await streamed(bytes, size);
      if (!result.ok) throw new Error(result.error.message);
      const items = result.value;
      expect(items).toHaveLength(whole.entries);
      expect(items.flatMap((i) => i.dscs.map((d) => [d.dn, d.country, hex(d.certificate.der)]))).toEqual(
        whole.dscs.map((d) => [d.dn, d.country, hex(d.certificate.der)]),
      );
      expect(items.flatMap((i) => i.crls.map((c) => hex(c.crl.der)))).toEqual(
        whole.crls.map((c) => hex(c.crl.der)),
      );
    }
  });

  it("ends with the PARSE_ERROR of the first broken entry, naming its line, after the good ones", async () => {
    const good = pki.ldif.dscsAndCrls;
    expect(good.endsWith("\n")).toBe(true);
    const lines = good.split("\n").length - 1;
    const text = `${good}\ndn: cn=x,c=DE\nuserCertificate;binary:: AAAA\n`;
    const result = await streamed(new TextEncoder().encode(text), 1000);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("PARSE_ERROR");
    // A blank line, the dn, then the broken value.
    expect(result.error.details?.line).toBe(lines + 3);
    const whole = parseLdif(text);
    expect(!whole.ok && whole.error.message).toBe(result.error.message);
  });

  it("refuses invalid UTF-8 and input over the size limit", async () => {
    const invalid = await streamed(Uint8Array.from([0x64, 0x6e, 0x3a, 0x20, 0xff, 0x0a]), 2);
    expect(!invalid.ok && invalid.error.code).toBe("PARSE_ERROR");
    const seen = () => true;
    async function* big() {
      yield new TextEncoder().encode(pki.ldif.dscsAndCrls);
    }
    const items = [];
    for await (const item of streamLdif(big(), { limits: { maxInputBytes: 100 } }, seen)) items.push(item);
    expect(items).toHaveLength(1);
    expect(items[0]?.ok === false && items[0].error.message).toMatch(/over the limit of 100/);
  });
});
