// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API loaded first.
import "reflect-metadata";
import { X509Certificate } from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { generateCertRows } from "../src/testing/index.js";
import { EXPORT_FILE, fixtureText, loadFixtureEntries } from "./ct-fixtures.js";

/** The leaf (or pre-certificate) of an entry, cut out by plain offsets as RFC 6962 lays it out. */
function leafCertificate(ctEntry: string): X509Certificate {
  const { leaf_input, extra_data } = JSON.parse(ctEntry) as { leaf_input: string; extra_data: string };
  const leaf = Buffer.from(leaf_input, "base64");
  if (leaf.readUInt16BE(10) === 0) return new X509Certificate(leaf.subarray(15, 15 + leaf.readUIntBE(12, 3)));
  const extra = Buffer.from(extra_data, "base64");
  return new X509Certificate(extra.subarray(3, 3 + extra.readUIntBE(0, 3)));
}

function meanBytes(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + Buffer.byteLength(text, "utf8"), 0) / texts.length;
}

// The benchmarks state their targets for rows like the real ones: these hold the generator to them.
describe("generated CT entries against the real ones", () => {
  it("are about as large as the rows of the real export file (within 15 %)", async () => {
    const real = (JSON.parse(fixtureText(EXPORT_FILE)) as { ct_entry: string }[]).map((row) => row.ct_entry);
    const generated = await generateCertRows({ seed: "size", count: 200, distinctEntries: 48 });
    const ratio = meanBytes(generated.map((row) => row.ct_entry)) / meanBytes(real);
    expect(ratio).toBeGreaterThan(0.85);
    expect(ratio).toBeLessThan(1.15);
  });

  it("carry every extension that most real leaves carry", async () => {
    const real = loadFixtureEntries().map((entry) => leafCertificate(entry.ct_entry));
    const counts = new Map<string, number>();
    for (const certificate of real)
      for (const extension of certificate.extensions)
        counts.set(extension.type, (counts.get(extension.type) ?? 0) + 1);
    const common = [...counts].filter(([, n]) => n > real.length / 2).map(([oid]) => oid);
    // The poison and the SCT list each sit in only one kind of entry, so neither is in most leaves.
    expect(common.length).toBeGreaterThan(5);

    const generated = await generateCertRows({ seed: "extensions", count: 60 });
    const generatedTypes = new Set(
      generated.flatMap((row) => leafCertificate(row.ct_entry).extensions.map((e) => e.type)),
    );
    expect(common.filter((oid) => !generatedTypes.has(oid))).toEqual([]);
  });
});
