import path from "node:path";
import { runTypeScript } from "@certs/testdb";
import { describe, expect, it } from "vitest";
import { decodeCtEntry } from "../ct-entry.js";
import { generateCertRows, type CertRowData } from "./cert-rows.js";

/** The parts of a row the seed decides (signature bytes depend on per-process keys). */
function seededFields(row: CertRowData): unknown {
  const decoded = decodeCtEntry(row.ct_entry);
  if (!decoded.ok) throw new Error(decoded.error.message);
  const { subject, serialNumber, notBefore, timestamp, entryType, subjectAltNames } = decoded.value;
  return { ...row, ct_entry: { subject, serialNumber, notBefore, timestamp, entryType, subjectAltNames } };
}

describe("generateCertRows", () => {
  it("derives every seeded field from the seed alone", async () => {
    const first = await generateCertRows({ seed: 42, count: 30, withIpAddress: true });
    const again = await generateCertRows({ seed: 42, count: 30, withIpAddress: true });
    const other = await generateCertRows({ seed: 43, count: 30, withIpAddress: true });
    expect(again.map(seededFields)).toEqual(first.map(seededFields));
    expect(other.map(seededFields)).not.toEqual(first.map(seededFields));
  });

  it("gives a seed the same entry sizes in another process, whose keys and signatures differ", async () => {
    const child = await runTypeScript(path.join(import.meta.dirname, "../../test/generated-sizes-child.ts"), [
      "sizes",
    ]);
    expect(child.stderr).toBe("");
    const mine = (await generateCertRows({ seed: "sizes", count: 40 })).map((row) =>
      Buffer.byteLength(row.ct_entry, "utf8"),
    );
    expect(JSON.parse(child.stdout)).toEqual(mine);
  });

  it("gives each row a unique (log_name, ct_index), with indices beyond 2^53 and near the BIGINT maximum", async () => {
    const rows = await generateCertRows({
      seed: "indices",
      count: 2000,
      distinctEntries: 8,
      largeIndexRatio: 0.2,
    });
    const keys = new Set(rows.map((r) => `${r.log_name}/${r.ct_index}`));
    expect(keys.size).toBe(rows.length);
    const indices = rows.map((r) => BigInt(r.ct_index));
    expect(indices.some((i) => i > 2n ** 53n && i < 2n ** 54n)).toBe(true);
    expect(indices.some((i) => i > 2n ** 62n)).toBe(true);
    expect(indices.every((i) => i >= 0n && i <= 2n ** 63n - 1n)).toBe(true);
    expect(rows.every((r) => /^\d+$/.test(r.ct_index))).toBe(true);
  });

  it("mixes compact and spaced ct_entry strings, x509 and precert entries", async () => {
    const rows = await generateCertRows({ seed: "forms", count: 60, spacedRatio: 0.3, precertRatio: 0.6 });
    expect(rows.some((r) => r.ct_entry.startsWith('{"leaf_input": "'))).toBe(true);
    expect(rows.some((r) => r.ct_entry.startsWith('{"leaf_input":"'))).toBe(true);
    const entryTypes = rows.map((r) => {
      const d = decodeCtEntry(r.ct_entry);
      return d.ok ? d.value.entryType : "bad";
    });
    expect(entryTypes).toContain("x509_entry");
    expect(entryTypes).toContain("precert_entry");
    expect(entryTypes).not.toContain("bad");
  });

  it("writes ip_address only when asked, and then mostly documentation addresses", async () => {
    const without = await generateCertRows({ seed: "ip", count: 50 });
    expect(without.every((r) => r.ip_address === null)).toBe(true);
    const withIp = await generateCertRows({ seed: "ip", count: 50, withIpAddress: true });
    const addresses = withIp.map((r) => r.ip_address).filter((a): a is string => a !== null);
    expect(addresses.length).toBeGreaterThan(30);
    expect(addresses.every((a) => /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$|^2001:db8::/.test(a))).toBe(
      true,
    );
  });
});
