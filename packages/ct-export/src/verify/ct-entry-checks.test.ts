import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  alterLeafInput,
  extraDataOf,
  ISSUER_KEY_HASH_OFFSET,
  PRECERT_TBS_OFFSET,
  withChainOf,
  withExtraData,
} from "../testing/altered-entries.js";
import { generateCtEntries, type GeneratedCtEntry } from "../testing/index.js";
import { concat } from "../testing/tls-encoding.js";
import { verifyCtEntry } from "./ct-entry-checks.js";

let entries: GeneratedCtEntry[];
const of = (predicate: (entry: GeneratedCtEntry) => boolean): GeneratedCtEntry => {
  const found = entries.find(predicate);
  if (found === undefined) throw new Error("the seed gives no such entry");
  return found;
};
const x509 = () => of((e) => e.entryType === "x509_entry");
const precert = () => of((e) => e.entryType === "precert_entry" && !e.precertSigningCertificate);
const viaSigner = () => of((e) => e.precertSigningCertificate);

beforeAll(async () => {
  entries = await generateCtEntries({
    seed: "checks",
    count: 16,
    precertRatio: 0.7,
    precertSigningRatio: 0.5,
  });
});

function problem(ctEntry: string): { check: unknown; message: string } {
  const result = verifyCtEntry(ctEntry);
  if (result.ok) throw new Error("expected the entry to fail");
  return { check: result.error.details?.["check"], message: result.error.message };
}

describe("verifyCtEntry", () => {
  it("passes every generated entry, x509 and precert, with and without a precertificate signing certificate", () => {
    expect(entries.some((e) => e.precertSigningCertificate)).toBe(true);
    for (const entry of entries) {
      const verified = verifyCtEntry(entry.ctEntry);
      if (!verified.ok) throw new Error(verified.error.message);
      expect(verified.value.entryType).toBe(entry.entryType);
      expect(verified.value.precertSigningCertificate).toBe(entry.precertSigningCertificate);
      const { leaf_input } = JSON.parse(entry.ctEntry) as { leaf_input: string };
      const expected = createHash("sha256")
        .update(concat([new Uint8Array([0]), Buffer.from(leaf_input, "base64")]))
        .digest("base64");
      expect(verified.value.leafHash).toBe(expected);
    }
  });

  it("a changed byte in a precert's TBSCertificate fails the precert_tbs check", () => {
    for (const entry of [precert(), viaSigner()]) {
      // Byte 12 of the TBS is inside the serial number: the entry still decodes, only the comparison fails.
      const altered = alterLeafInput(entry.ctEntry, PRECERT_TBS_OFFSET + 12);
      expect(problem(altered)).toEqual({
        check: "precert_tbs",
        message: expect.stringMatching(
          /^leaf_input tbs_certificate \(\d+ bytes\) is not extra_data's pre-certificate without its poison extension.* they differ from byte 12\.$/,
        ) as unknown as string,
      });
    }
  });

  it("a wrong issuer_key_hash fails the issuer_key_hash check", () => {
    for (const entry of [precert(), viaSigner()]) {
      const altered = alterLeafInput(entry.ctEntry, ISSUER_KEY_HASH_OFFSET);
      const failure = problem(altered);
      expect(failure.check).toBe("issuer_key_hash");
      expect(failure.message).toMatch(
        /^issuer_key_hash [0-9a-f]{64} is not SHA-256 of the issuing certificate's public key \(extra_data chain certificate [01]: [0-9a-f]{64}\)\.$/,
      );
    }
  });

  it("a chain whose first certificate did not sign the leaf fails the chain_signature check", () => {
    for (const entry of [x509(), precert()]) {
      const other = of((e) => e.issuer !== entry.issuer && !e.precertSigningCertificate);
      const failure = problem(withChainOf(entry.ctEntry, other.ctEntry));
      expect(failure.check).toBe("chain_signature");
      expect(failure.message).toMatch(
        /^The signature of (leaf_input certificate|extra_data pre_certificate) \(.*\) does not verify with the public key of extra_data chain certificate 0 \(.*\)\.$/,
      );
    }
  });

  it("a chain whose intermediate was not signed by the next certificate fails the chain_signature check", () => {
    const entry = x509();
    const { chain } = extraDataOf(entry.ctEntry);
    const foreignRoot = extraDataOf(of((e) => e.issuer !== entry.issuer).ctEntry).chain.at(-1);
    if (foreignRoot === undefined || chain[0] === undefined) throw new Error("no chain");
    const altered = withExtraData(entry.ctEntry, { preCertificate: null, chain: [chain[0], foreignRoot] });
    expect(problem(altered)).toMatchObject({
      check: "chain_signature",
      message: expect.stringMatching(
        /^The signature of extra_data chain certificate 0 /,
      ) as unknown as string,
    });
  });

  it("a precertificate signing certificate's pre-certificate without that certificate in the chain fails", () => {
    const entry = viaSigner();
    const extra = extraDataOf(entry.ctEntry);
    const altered = withExtraData(entry.ctEntry, { ...extra, chain: extra.chain.slice(1) });
    expect(problem(altered).check).toBe("chain_signature");
  });

  it("an entry that does not decode fails the decode check", () => {
    expect(problem('{"leaf_input":"AAAA","extra_data":"AAAA"}').check).toBe("decode");
    expect(problem("not json").check).toBe("decode");
  });
});
