import { beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "./certificate-summary.js";
import { parseCrl } from "./crl.js";
import { parseLdif } from "./ldif.js";
import { parseMasterList } from "./master-list.js";
import { generateIcaoPki, type IcaoPki, SeededRandom } from "../testing/index.js";
import { loadTrustAnchors } from "../verify/trust-anchors.js";

let pki: IcaoPki;
beforeAll(() => {
  pki = generateIcaoPki({ seed: "malformed", extraCountries: 1, rsaModulusLength: 1024 });
});

function nested(depth: number): Uint8Array {
  // SEQUENCE { SEQUENCE { ... } } with short-form lengths only where they fit.
  let inner = new Uint8Array([0x05, 0x00]);
  for (let i = 0; i < depth; i++) {
    const length = inner.length;
    const header = length < 0x80 ? [0x30, length] : [0x30, 0x82, length >> 8, length & 0xff];
    inner = Uint8Array.from([...header, ...inner]);
  }
  return inner;
}

describe("malformed master lists give a result, never a throw", () => {
  it("a truncated list is a PARSE_ERROR at every cut", () => {
    for (const cut of [0, 1, 2, 10, 100, 1000, pki.masterList.length - 1]) {
      const result = parseMasterList(pki.masterList.subarray(0, cut));
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.code).toBe("PARSE_ERROR");
    }
  });

  it("a list with one flipped bit is refused with PARSE_ERROR or SIGNATURE_ERROR, or verifies with the same certificates", () => {
    const anchors = loadTrustAnchors([pki.anchor.der]);
    if (!anchors.ok) throw new Error(anchors.error.message);
    const random = new SeededRandom("bit-flips");
    const original = pki.cscas.map((c) => Buffer.from(c.der).toString("hex"));
    const codes = new Map<string, number>();
    for (let i = 0; i < 150; i++) {
      const mutated = Uint8Array.from(pki.masterList);
      const at = random.int(0, mutated.length - 1);
      mutated[at] = (mutated[at] as number) ^ (1 << random.int(0, 7));
      const result = parseMasterList(mutated, { trustAnchors: anchors.value });
      const outcome = result.ok ? "ok" : result.error.code;
      codes.set(outcome, (codes.get(outcome) ?? 0) + 1);
      if (result.ok)
        expect(result.value.cscas.map((c) => Buffer.from(c.der).toString("hex"))).toEqual(original);
      else expect(["PARSE_ERROR", "SIGNATURE_ERROR"]).toContain(result.error.code);
    }
    expect(codes.get("SIGNATURE_ERROR") ?? 0).toBeGreaterThan(0);
  });

  it("random bytes are a PARSE_ERROR", () => {
    const random = new SeededRandom("random-bytes");
    for (let i = 0; i < 100; i++) {
      const result = parseMasterList(random.bytes(random.int(1, 4000)));
      expect(!result.ok && result.error.code).toBe("PARSE_ERROR");
    }
  });

  it("a length field larger than the data is a PARSE_ERROR that says so", () => {
    const corrupted = Uint8Array.from(pki.masterList);
    corrupted[1] = 0x84; // four length octets: 0xffffffff-ish
    corrupted[2] = 0xff;
    const result = parseMasterList(corrupted);
    expect(!result.ok && result.error.message).toMatch(
      /claims \d+ bytes but only \d+ remain|runs past the end/,
    );
  });

  it("BER indefinite length is refused as not DER", () => {
    const result = parseMasterList(Uint8Array.from([0x30, 0x80, 0x05, 0x00, 0x00, 0x00]));
    expect(!result.ok && result.error.message).toContain(
      "indefinite length (BER) at byte 0; only DER is accepted",
    );
  });
});

describe("the parse limits bound what a hostile input can make the parser do", () => {
  it("nesting deeper than maxDepth is refused", () => {
    const result = parseCertificate(pki.anchor.der, { limits: { maxDepth: 3 } });
    expect(!result.ok && result.error.message).toContain("ASN.1 nesting deeper than 3 levels");
  });

  it("deep nesting where a certificate is expected is refused without recursing into it", () => {
    const result = parseCertificate(nested(2000));
    expect(!result.ok && result.error.code).toBe("PARSE_ERROR");
  });

  it("more elements than maxNodes are refused", () => {
    const result = parseMasterList(pki.masterList, { verify: false, limits: { maxNodes: 500 } });
    expect(!result.ok && result.error.message).toContain("more than 500 ASN.1 elements");
  });

  it("an input over maxInputBytes is refused before parsing", () => {
    const result = parseMasterList(pki.masterList, { limits: { maxInputBytes: 1024 } });
    expect(!result.ok && result.error.message).toMatch(/is \d+ bytes, over the limit of 1024/);
  });
});

describe("other inputs", () => {
  it("truncated and random CRLs are PARSE_ERRORs", () => {
    const crl = pki.crls[0]?.der ?? new Uint8Array();
    const random = new SeededRandom("crl");
    for (let i = 0; i < 100; i++) {
      const result = parseCrl(
        i % 2 === 0 ? crl.subarray(0, random.int(0, crl.length - 1)) : random.bytes(200),
      );
      expect(!result.ok && result.error.code).toBe("PARSE_ERROR");
    }
  });

  it("truncated LDIF either parses fewer entries or is a PARSE_ERROR", () => {
    const random = new SeededRandom("ldif");
    const text = pki.ldif.dscsAndCrls;
    for (let i = 0; i < 40; i++) {
      const result = parseLdif(text.slice(0, random.int(0, text.length)));
      if (!result.ok) expect(result.error.code).toBe("PARSE_ERROR");
    }
  });
});
