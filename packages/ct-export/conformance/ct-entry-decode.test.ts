import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeCtEntry } from "../src/index.js";
import { loadFixtureEntries } from "./ct-fixtures.js";

const entries = loadFixtureEntries();
const scratch = mkdtempSync(path.join(tmpdir(), "ct-decode-"));

/** The certificate openssl should look at, cut out by plain offsets (independent of the decoder). */
function certificateDer(ctEntry: string): Buffer {
  const { leaf_input, extra_data } = JSON.parse(ctEntry) as { leaf_input: string; extra_data: string };
  const leaf = Buffer.from(leaf_input, "base64");
  if (leaf.readUInt16BE(10) === 0) return leaf.subarray(15, 15 + leaf.readUIntBE(12, 3));
  // precert: the pre-certificate opens extra_data; it has the same serial and validity as the TBS.
  const extra = Buffer.from(extra_data, "base64");
  return extra.subarray(3, 3 + extra.readUIntBE(0, 3));
}

function openssl(der: Buffer): { serial: string; notBefore: Date; notAfter: Date; subject: string } {
  const file = path.join(scratch, "cert.der");
  writeFileSync(file, der);
  const out = execFileSync("openssl", [
    "x509",
    "-inform",
    "DER",
    "-in",
    file,
    "-noout",
    "-serial",
    "-startdate",
    "-enddate",
    "-subject",
    "-nameopt",
    "RFC2253",
  ]).toString("utf8");
  const field = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(out)?.[1] ?? "";
  return {
    serial: field("serial").toLowerCase(),
    notBefore: new Date(field("notBefore")),
    notAfter: new Date(field("notAfter")),
    subject: field("subject"),
  };
}

describe("decodeCtEntry on the 46 real fixture entries", () => {
  it("decodes every entry: 14 x509 and 32 precert, chains of 2 to 3 certificates", () => {
    expect(entries).toHaveLength(46);
    const types = { x509_entry: 0, precert_entry: 0 };
    for (const entry of entries) {
      const decoded = decodeCtEntry(entry.ct_entry);
      if (!decoded.ok) throw new Error(`${entry.source}: ${decoded.error.message}`);
      types[decoded.value.entryType] += 1;
      expect(decoded.value.chainLength).toBeGreaterThanOrEqual(2);
      expect(decoded.value.chainLength).toBeLessThanOrEqual(3);
    }
    expect(types).toEqual({ x509_entry: 14, precert_entry: 32 });
  });

  it("agrees with openssl on serial, validity and common name of each leaf", () => {
    for (const entry of entries) {
      const decoded = decodeCtEntry(entry.ct_entry);
      if (!decoded.ok) throw new Error(decoded.error.message);
      const expected = openssl(certificateDer(entry.ct_entry));
      expect(decoded.value.serialNumber.replace(/^(00)+/, "")).toBe(expected.serial.replace(/^(00)+/, ""));
      expect(decoded.value.notBefore.getTime()).toBe(expected.notBefore.getTime());
      expect(decoded.value.notAfter.getTime()).toBe(expected.notAfter.getTime());
      const cn = /(?:^|,)CN=([^,]*)/.exec(expected.subject)?.[1] ?? null;
      expect(decoded.value.commonName).toBe(cn);
    }
  });

  it("reads the named entries SOURCES.md describes", () => {
    const bySubject = (cn: string) =>
      entries.map((e) => decodeCtEntry(e.ct_entry)).find((d) => d.ok && d.value.commonName === cn);
    const nagoya = bySubject("order.nagoyabiyo.jp");
    expect(nagoya?.ok && nagoya.value.entryType).toBe("x509_entry");
    expect(nagoya?.ok && nagoya.value.issuer).toContain("GlobalSign GCC R6 AlphaSSL CA 2023");
    const testCa = bySubject("sdfedsf.trust");
    expect(testCa?.ok && testCa.value.entryType).toBe("precert_entry");
    expect(testCa?.ok && testCa.value.issuer).toContain("GeoTrust EV SSL TEST CA - G4");
    expect(testCa?.ok && testCa.value.timestamp.toISOString().slice(0, 10)).toBe("2015-02-02");
    const old = bySubject("csrcn.ssl24.jp");
    expect(old?.ok && old.value.issuer).toContain("GlobalSign Extended Validation CA - G2 TEST");
    const quick = bySubject("linkfull.direct.quickconnect.to");
    expect(quick?.ok && quick.value.subjectAltNames).toEqual([
      { type: "dns", value: "*.linkfull.direct.quickconnect.to" },
      { type: "dns", value: "linkfull.direct.quickconnect.to" },
    ]);
    const sukiya = bySubject("*.sukiya.jp");
    expect(sukiya?.ok).toBe(true);
  });
});
