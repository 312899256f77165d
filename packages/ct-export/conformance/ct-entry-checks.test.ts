import { describe, expect, it } from "vitest";
import { verifyCtEntry, verifyPendingDirectory } from "../src/index.js";
import {
  alterLeafInput,
  extraDataOf,
  ISSUER_KEY_HASH_OFFSET,
  PRECERT_TBS_OFFSET,
  withChainOf,
  withExtraData,
} from "../src/testing/altered-entries.js";
import { ctFixturesDir, EXPORT_FILE, loadFixtureEntries } from "./ct-fixtures.js";

const entries = loadFixtureEntries();
const entryType = (ctEntry: string) =>
  Buffer.from((JSON.parse(ctEntry) as { leaf_input: string }).leaf_input, "base64").readUInt16BE(10) === 0
    ? "x509_entry"
    : "precert_entry";
const precerts = entries.filter((e) => entryType(e.ct_entry) === "precert_entry");
const x509s = entries.filter((e) => entryType(e.ct_entry) === "x509_entry");

function failure(ctEntry: string): { check: unknown; message: string } {
  const result = verifyCtEntry(ctEntry);
  if (result.ok) throw new Error("expected the altered entry to fail");
  return { check: result.error.details?.["check"], message: result.error.message };
}

describe("verifyCtEntry on the 46 real fixture entries", () => {
  it("every real entry passes every check: precert TBS, issuer_key_hash and each chain signature", () => {
    expect(precerts).toHaveLength(32);
    expect(x509s).toHaveLength(14);
    for (const entry of entries) {
      const verified = verifyCtEntry(entry.ct_entry);
      if (!verified.ok) throw new Error(`${entry.source} ${entry.ct_index}: ${verified.error.message}`);
      expect(verified.value.leafHash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    }
  });

  it("a changed byte in each real precert's TBSCertificate fails with precert_tbs", () => {
    for (const entry of precerts) {
      // Byte 12 of the TBS lies in the serial number of every real precert (version, then serial).
      const altered = failure(alterLeafInput(entry.ct_entry, PRECERT_TBS_OFFSET + 12));
      expect(altered.check, entry.source).toBe("precert_tbs");
      expect(altered.message).toMatch(/they differ from byte 12\.$/);
    }
  });

  it("a wrong issuer_key_hash in each real precert fails with issuer_key_hash", () => {
    for (const entry of precerts) {
      const altered = failure(alterLeafInput(entry.ct_entry, ISSUER_KEY_HASH_OFFSET + 31));
      expect(altered.check, entry.source).toBe("issuer_key_hash");
      expect(altered.message).toMatch(
        /^issuer_key_hash [0-9a-f]{64} is not SHA-256 of the issuing certificate's public key/,
      );
    }
  });

  it("a real entry given another CA's chain fails with chain_signature", () => {
    // The Cloudflare nimbus rows and the test-CA entries of certificate-transparency-go share no issuer.
    const ctgo = entries.filter((e) => e.source.startsWith("get-entries_ctgo"));
    const otherChain = ctgo[0]?.ct_entry ?? "";
    for (const entry of entries.filter((e) => e.source === EXPORT_FILE)) {
      const altered = failure(withChainOf(entry.ct_entry, otherChain));
      expect(altered.check, entry.ct_index).toBe("chain_signature");
      expect(altered.message).toMatch(
        /does not verify with the public key of extra_data chain certificate 0/,
      );
    }
  });

  it("a real chain with a foreign root fails with chain_signature at the intermediate", () => {
    const entry = entries.find((e) => extraDataOf(e.ct_entry).chain.length === 2);
    const foreign = entries.find((e) => e.source.startsWith("get-entries_ctgo"));
    if (entry === undefined || foreign === undefined) throw new Error("fixtures changed");
    const extra = extraDataOf(entry.ct_entry);
    const root = extraDataOf(foreign.ct_entry).chain.at(-1);
    if (root === undefined || extra.chain[0] === undefined) throw new Error("fixtures changed");
    const altered = failure(withExtraData(entry.ct_entry, { ...extra, chain: [extra.chain[0], root] }));
    expect(altered).toMatchObject({ check: "chain_signature" });
    expect(altered.message).toMatch(/^The signature of extra_data chain certificate 0 /);
  });
});

describe("verifyPendingDirectory on the real fixture files", () => {
  it("reads the export file, the upload failure and the get-entries responses: every entry good", async () => {
    const report = await verifyPendingDirectory(ctFixturesDir());
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value).toMatchObject({
      files: 6,
      unreadableFiles: 0,
      entries: 46,
      goodEntries: 46,
      badEntries: 0,
      byShape: { pending_file: 2, get_entries_response: 4 },
      byEntryType: { x509_entry: 14, precert_entry: 32 },
    });
    // Row 0 of the export file is TrustAsia's entry [2] (SOURCES.md): the same leaf, listed once as a duplicate.
    expect(report.value.duplicates).toEqual([
      {
        leafHash: expect.any(String) as unknown as string,
        occurrences: expect.arrayContaining([
          expect.objectContaining({ position: 0 }),
          expect.objectContaining({ position: 2 }),
        ]) as unknown as { file: string; position: number }[],
      },
    ]);
  });
});
