import { generateCtEntries, type GeneratedCtEntry } from "./testing/index.js";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeCtEntry } from "./ct-entry.js";

let entries: GeneratedCtEntry[];

beforeAll(async () => {
  entries = await generateCtEntries({ seed: "decoder", count: 40, spacedRatio: 0.3, noCommonNameRatio: 0.1 });
});

function entryOf(type: GeneratedCtEntry["entryType"]): GeneratedCtEntry {
  const found = entries.find((e) => e.entryType === type && e.commonName !== null);
  if (found === undefined) throw new Error(`the seed produced no ${type}`);
  return found;
}

/** Re-encodes an entry after changing its decoded leaf_input or extra_data bytes. */
function withBytes(
  entry: GeneratedCtEntry,
  field: "leaf_input" | "extra_data",
  edit: (b: Buffer) => Buffer,
): string {
  const parsed = JSON.parse(entry.ctEntry) as Record<string, string>;
  const bytes = Buffer.from(parsed[field] ?? "", "base64");
  return JSON.stringify({ ...parsed, [field]: edit(bytes).toString("base64") });
}

function parseErrorOf(ctEntry: string): string {
  const decoded = decodeCtEntry(ctEntry);
  expect(decoded.ok).toBe(false);
  if (decoded.ok) return "";
  expect(decoded.error.code).toBe("PARSE_ERROR");
  return decoded.error.message;
}

describe("decodeCtEntry on well-formed entries", () => {
  it("returns the fields each generated entry was built with", () => {
    for (const entry of entries) {
      const decoded = decodeCtEntry(entry.ctEntry);
      if (!decoded.ok) throw new Error(decoded.error.message);
      expect(decoded.value.entryType).toBe(entry.entryType);
      expect(decoded.value.timestamp.toISOString()).toBe(entry.timestamp.toISOString());
      expect(decoded.value.serialNumber).toBe(entry.serialNumber);
      expect(decoded.value.notBefore.toISOString()).toBe(entry.notBefore.toISOString());
      expect(decoded.value.notAfter.toISOString()).toBe(entry.notAfter.toISOString());
      expect(decoded.value.commonName).toBe(entry.commonName);
      expect(decoded.value.subjectAltNames).toEqual(entry.dnsNames.map((value) => ({ type: "dns", value })));
      expect(decoded.value.issuer).toBe(entry.issuer);
      expect(decoded.value.chainLength).toBe(entry.chainLength);
      expect(decoded.value.chainSubjects[0]).toBe(entry.issuer);
      expect(decoded.value.issuerKeyHash === null).toBe(entry.entryType === "x509_entry");
    }
  });

  it("decodes the spaced and the compact form of one entry to the same result", () => {
    const entry = entryOf("precert_entry");
    const { leaf_input, extra_data } = JSON.parse(entry.ctEntry) as Record<string, string>;
    const spaced = decodeCtEntry(`{"leaf_input": "${leaf_input}", "extra_data": "${extra_data}"}`);
    const compact = decodeCtEntry(JSON.stringify({ leaf_input, extra_data }));
    expect(spaced).toEqual(compact);
    expect(spaced.ok).toBe(true);
  });

  it("reports a certificate without a common name with a null commonName", () => {
    const entry = entries.find((e) => e.commonName === null);
    expect(entry).toBeDefined();
    const decoded = decodeCtEntry(entry?.ctEntry ?? "");
    expect(decoded.ok && decoded.value.commonName).toBeNull();
    expect(decoded.ok && decoded.value.subject).not.toContain("CN=");
  });
});

describe("decodeCtEntry on malformed entries", () => {
  it("names the JSON problem", () => {
    expect(parseErrorOf("{leaf_input")).toMatch(/not valid JSON/);
    expect(parseErrorOf("[]")).toMatch(/not a JSON object/);
    expect(parseErrorOf('{"extra_data":"AAAA"}')).toMatch(/no leaf_input/);
    expect(parseErrorOf('{"leaf_input":"AAAA"}')).toMatch(/no extra_data/);
    expect(parseErrorOf('{"leaf_input":"AA*A","extra_data":"AAAA"}')).toMatch(
      /leaf_input is not valid base64/,
    );
  });

  it("rejects an unknown version, leaf type or entry type", () => {
    const entry = entryOf("x509_entry");
    const set = (offset: number, value: number) => (b: Buffer) => {
      b[offset] = value;
      return b;
    };
    expect(parseErrorOf(withBytes(entry, "leaf_input", set(0, 1)))).toMatch(/version is 1/);
    expect(parseErrorOf(withBytes(entry, "leaf_input", set(1, 1)))).toMatch(/leaf_type is 1/);
    expect(parseErrorOf(withBytes(entry, "leaf_input", set(11, 2)))).toMatch(/entry_type is 2/);
  });

  it("rejects trailing bytes after the leaf and after the chain", () => {
    const entry = entryOf("precert_entry");
    const extend = (b: Buffer) => Buffer.concat([b, Buffer.from([0])]);
    expect(parseErrorOf(withBytes(entry, "leaf_input", extend))).toMatch(
      /leaf_input is malformed: 1 trailing bytes/,
    );
    expect(parseErrorOf(withBytes(entry, "extra_data", extend))).toMatch(
      /extra_data is malformed: 1 trailing bytes/,
    );
  });

  it("rejects a truncated leaf and a truncated chain, naming the field", () => {
    const entry = entryOf("x509_entry");
    expect(parseErrorOf(withBytes(entry, "leaf_input", (b) => b.subarray(0, 9)))).toMatch(
      /timestamp needs 8 bytes/,
    );
    expect(parseErrorOf(withBytes(entry, "leaf_input", (b) => b.subarray(0, 100)))).toMatch(
      /x509_entry certificate needs/,
    );
    expect(parseErrorOf(withBytes(entry, "extra_data", (b) => b.subarray(0, b.length - 1)))).toMatch(
      /certificate_chain needs/,
    );
  });

  it("rejects a precert whose extra_data lacks the chain", () => {
    const entry = entryOf("precert_entry");
    const withoutChain = (b: Buffer) => b.subarray(0, 3 + b.readUIntBE(0, 3));
    expect(parseErrorOf(withBytes(entry, "extra_data", withoutChain))).toMatch(
      /length of certificate_chain needs 3/,
    );
  });

  it("rejects a leaf certificate that is not DER X.509", () => {
    const entry = entryOf("x509_entry");
    // Overwrite the certificate's outer SEQUENCE tag, keeping every TLS length intact.
    const spoil = (b: Buffer) => {
      b[15] = 0x04;
      return b;
    };
    expect(parseErrorOf(withBytes(entry, "leaf_input", spoil))).toMatch(
      /leaf_input certificate is not an X.509/,
    );
  });

  it("never throws, whatever bytes it is given", () => {
    const entry = entryOf("precert_entry");
    const original = Buffer.from(
      (JSON.parse(entry.ctEntry) as Record<string, string>)["leaf_input"] ?? "",
      "base64",
    );
    let seed = 7;
    for (let round = 0; round < 300; round += 1) {
      const bytes = Buffer.from(original);
      for (let k = 0; k < 3; k += 1) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        bytes[seed % bytes.length] = seed & 0xff;
      }
      const ctEntry = withBytes(entry, "leaf_input", () =>
        bytes.subarray(0, (seed >> 8) % (bytes.length + 1)),
      );
      const decoded = decodeCtEntry(ctEntry);
      if (!decoded.ok) expect(decoded.error.code).toBe("PARSE_ERROR");
    }
  });
});
