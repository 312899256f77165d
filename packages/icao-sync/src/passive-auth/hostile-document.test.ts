import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultParseLimits, type ParseLimits } from "../parse/parse-limits.js";
import { syncTrustStore } from "../sync/sync-trust-store.js";
import { tlv } from "../testing/der-writer.js";
import {
  type CountryPki,
  type GeneratedCertificate,
  generateDataGroups,
  generateIcaoPki,
  issueDocumentSigner,
  signDocumentSecurityObject,
} from "../testing/index.js";
import {
  closeTestTrustStore,
  openTestTrustStore,
  type TestTrustStore,
  unwrap,
} from "../trust-store/test-trust-store.js";
import { TrustStoreReader } from "../trust-store/trust-store-reader.js";
import { verifyDocumentSecurityObject } from "./verify-document-security-object.js";

// Hostile EF.SODs against the parse limits: each must end in one PARSE_ERROR line, never a throw, a hang or
// an allocation the input asks for. No timing is asserted; an unbounded parser would not finish at all.
const DAY = 24 * 3600 * 1000;
const signingTime = new Date("2025-06-01T12:00:00Z");
const at = new Date("2025-07-01T00:00:00Z");

let store: TestTrustStore | undefined;
let pool: pg.Pool;
let reader: TrustStoreReader;
/** A valid EF.SOD as stored on the chip (0x77 wrapper), and the same SignedData bare. */
let wrapped: Uint8Array;
let bare: Uint8Array;
const groups = generateDataGroups("hostile-document");

beforeAll(async () => {
  store = await openTestTrustStore();
  ({ pool } = store);
  const pki = generateIcaoPki({ seed: "hostile-document", extraCountries: 0, rsaModulusLength: 1024 });
  unwrap(
    await syncTrustStore(
      pool,
      {
        masterLists: [{ name: "list.ml", bytes: pki.masterList }],
        trustAnchors: [{ name: "anchor.cer", bytes: pki.anchor.der }],
      },
      { clock: () => at },
    ),
  );
  reader = new TrustStoreReader(pool);
  const albania = pki.countries.find((c) => c.quirk === "lowercase-country") as CountryPki;
  const dsc = issueDocumentSigner({
    csca: albania.cscas[albania.cscas.length - 1] as GeneratedCertificate,
    country: "AL",
    serialNumber: 0x8001n,
    notBefore: new Date(signingTime.getTime() - 30 * DAY),
    notAfter: new Date(signingTime.getTime() + 365 * DAY),
  });
  wrapped = signDocumentSecurityObject({ dsc, dataGroups: groups, signingTime });
  bare = signDocumentSecurityObject({ dsc, dataGroups: groups, signingTime, wrap: false });
}, 120_000);

afterAll(async () => {
  await closeTestTrustStore(store);
});

/** The PARSE_ERROR message `bytes` is refused with; fails the test if it is accepted or fails otherwise. */
async function refusal(bytes: Uint8Array, limits: Partial<ParseLimits> = {}): Promise<string> {
  const result = await verifyDocumentSecurityObject(reader, bytes, { at, dataGroups: groups, limits });
  if (result.ok) throw new Error(`a document of ${bytes.length} bytes was accepted`);
  expect(result.error.code).toBe("PARSE_ERROR");
  expect(result.error.message).not.toContain("\n");
  expect(result.error.message).toMatch(/^The document cannot be parsed: .+\.$/);
  return result.error.message;
}

describe("passive authentication of an oversized EF.SOD", () => {
  it("a document of exactly maxInputBytes verifies; one byte fewer allowed, and it is refused naming both sizes", async () => {
    for (const [form, sod] of [
      ["wrapped in 0x77", wrapped],
      ["bare SignedData", bare],
    ] as const) {
      const atBound = await verifyDocumentSecurityObject(reader, sod, {
        at,
        dataGroups: groups,
        limits: { maxInputBytes: sod.length },
      });
      expect(atBound.ok && atBound.value.valid, form).toBe(true);
      expect(await refusal(sod, { maxInputBytes: sod.length - 1 }), form).toBe(
        `The document cannot be parsed: the document is ${sod.length} bytes, over the limit of ${sod.length - 1}.`,
      );
    }
  });

  it("an EF.SOD nested deeper than maxDepth or of more elements than maxNodes is refused naming the bound, and wrappers in wrappers at the second", async () => {
    // The LDS Security Object sits several levels down: a depth bound below it is reached on the way.
    expect(await refusal(wrapped, { maxDepth: 3 })).toMatch(
      /ASN\.1 nesting deeper than 3 levels at byte \d+/,
    );
    expect(await refusal(wrapped, { maxNodes: 10 })).toMatch(/more than 10 ASN\.1 elements/);
    // 0x77 wrappers inside each other, far deeper than the default bound: refused at the second, not walked.
    let nested: Uint8Array = bare;
    for (let i = 0; i <= defaultParseLimits.maxDepth + 1; i++) nested = tlv(0x77, nested);
    expect(await refusal(nested)).toBe(
      "The document cannot be parsed: ContentInfo at byte 0 has tag 0x77, expected 0x30.",
    );
  });

  it("a 0x77 wrapper that claims 2 GiB in a few bytes is refused without reading or allocating that much", async () => {
    const claim = Uint8Array.of(0x77, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x03, 0x02, 0x01, 0x00);
    expect(await refusal(claim)).toContain("claims 2147483647 bytes but only 5 remain in its container");
  });
});

describe("passive authentication of a truncated EF.SOD", () => {
  it("every prefix of an EF.SOD is refused with one line saying where the data ends", async () => {
    for (let length = 1; length < wrapped.length; length++) {
      const message = await refusal(wrapped.subarray(0, length));
      expect(message, `cut at ${length}`).toMatch(/runs past the end|claims \d+ bytes but only \d+ remain/);
    }
  });

  it("a 0x77 wrapper whose length fits but whose SignedData is cut short is refused at every cut", async () => {
    for (let length = 1; length < bare.length; length++) {
      const message = await refusal(tlv(0x77, bare.subarray(0, length)));
      expect(message, `SignedData cut at ${length}`).toMatch(
        /runs past the end|claims \d+ bytes but only \d+ remain|does not hold exactly one SignedData/,
      );
    }
  });
});
