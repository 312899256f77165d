import { zipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "./certificate-summary.js";
import { parseLdif, streamLdif } from "./ldif.js";
import { parseMasterList, type MasterListOptions } from "./master-list.js";
import { generateIcaoPki, type IcaoPki } from "../testing/index.js";

// Bounds here are complexity checks, not speed targets: the inputs cost minutes (or gigabytes) on a
// quadratic or unbounded parser and milliseconds on a linear one, so the generous limits cannot flake.
let pki: IcaoPki;
beforeAll(() => {
  pki = generateIcaoPki({ seed: "hostile", extraCountries: 0, rsaModulusLength: 1024 });
});

function refusedList(input: Uint8Array, options: MasterListOptions = {}): string {
  const result = parseMasterList(input, options);
  if (result.ok) throw new Error("the master list was accepted");
  expect(result.error.code).toBe("PARSE_ERROR");
  return result.error.message;
}

/** Offsets of a ZIP's end-of-central-directory record and its first central directory entry. */
function zipLayout(zip: Uint8Array): { eocd: number; central: number; view: DataView } {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = zip.length - 22;
  while (view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  return { eocd, central: view.getUint32(eocd + 16, true), view };
}

/** Adds a second central directory entry that points at the first entry's data under another name. */
function withAliasEntry(zip: Uint8Array, alias: string): Uint8Array {
  const { eocd, central, view } = zipLayout(zip);
  const nameLength = view.getUint16(central + 28, true);
  const extra = view.getUint16(central + 30, true) + view.getUint16(central + 32, true);
  const first = zip.subarray(central, central + 46 + nameLength + extra);
  const copy = Uint8Array.from(first.subarray(0, 46 + nameLength));
  const copyView = new DataView(copy.buffer);
  copyView.setUint16(30, 0, true);
  copyView.setUint16(32, 0, true);
  const name = Buffer.from(alias.padEnd(nameLength, "x").slice(0, nameLength));
  copy.set(name, 46);
  const out = new Uint8Array(eocd + copy.length + 22);
  out.set(zip.subarray(0, eocd));
  out.set(copy, eocd);
  out.set(zip.subarray(eocd, eocd + 22), eocd + copy.length);
  const outView = new DataView(out.buffer);
  const end = eocd + copy.length;
  outView.setUint16(end + 8, outView.getUint16(end + 8, true) + 1, true);
  outView.setUint16(end + 10, outView.getUint16(end + 10, true) + 1, true);
  outView.setUint32(end + 12, outView.getUint32(end + 12, true) + copy.length, true);
  outView.setUint16(end + 20, 0, true);
  return out;
}

/** Rewrites the declared uncompressed size of the first entry (central directory and local header). */
function withDeclaredSize(zip: Uint8Array, size: number): Uint8Array {
  const out = Uint8Array.from(zip);
  const { central, view } = zipLayout(out);
  view.setUint32(central + 24, size, true);
  view.setUint32(view.getUint32(central + 42, true) + 22, size, true);
  return out;
}

describe("ZIP archives cost at most their cap", () => {
  it("two directory entries pointing at one stream are refused before anything is inflated", () => {
    const zip = withAliasEntry(zipSync({ "list.ml": pki.masterList }), "copy.ml");
    expect(refusedList(zip)).toMatch(
      /entries that overlap or share data \(list\.ml and copy\.ml|copy\.ml and list\.ml\)/,
    );
  });

  it("an entry that inflates past its declared size stops at that size", () => {
    // 64 MB of zeros compress to about 64 KB; the entry says it holds 1,000 bytes.
    const zip = withDeclaredSize(zipSync({ "list.ml": new Uint8Array(64 * 1024 * 1024) }), 1000);
    expect(zip.length).toBeLessThan(200_000);
    const before = process.memoryUsage().rss;
    expect(refusedList(zip)).toContain("list.ml inflates past 1000 bytes");
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
  });

  it("an entry that inflates past the limit stops at the limit, whatever it declares", () => {
    const zip = zipSync({ "list.ml": new Uint8Array(8 * 1024 * 1024) });
    expect(refusedList(zip, { limits: { maxZipEntryBytes: 1_000_000 } })).toContain(
      "declares 8388608 bytes of content, over the limit of 1000000",
    );
    expect(
      refusedList(withDeclaredSize(zip, 500_000), { limits: { maxZipEntryBytes: 1_000_000 } }),
    ).toContain("inflates past 500000 bytes");
  });

  it("the declared sizes of all entries count, not only the master list's", () => {
    const zip = zipSync({ "list.ml": pki.masterList, "padding.txt": new Uint8Array(3_000_000) });
    expect(refusedList(zip, { limits: { maxZipEntryBytes: 2_000_000 } })).toContain(
      "over the limit of 2000000",
    );
  });

  it("a corrupted entry fails its CRC check", () => {
    const zip = zipSync({ "list.ml": pki.masterList }, { level: 0 });
    const { central, view } = zipLayout(zip);
    const local = view.getUint32(central + 42, true);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const damaged = Uint8Array.from(zip);
    damaged[dataStart + 100] = (damaged[dataStart + 100] as number) ^ 0xff;
    expect(refusedList(damaged)).toContain("list.ml fails its CRC check");
  });

  it("a plain archive with one list still parses", () => {
    const result = parseMasterList(zipSync({ "DE_ML.ml": pki.masterList }));
    expect(result.ok && result.value.cscas.length).toBe(pki.cscas.length);
  });
});

describe("PEM scanning is linear", () => {
  it("10 MB of BEGIN lines without END is refused in seconds", () => {
    const line = "-----BEGIN CERTIFICATE-----\n";
    const text = Buffer.from(line.repeat(Math.ceil((10 * 1024 * 1024) / line.length)));
    const started = performance.now();
    const result = parseCertificate(text);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(!result.ok && result.error.message).toContain("has a PEM header but no complete PEM block");
  });

  it("a block after many unclosed BEGIN lines is still found", () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(pki.anchor.der).toString("base64")}\n-----END CERTIFICATE-----\n`;
    const text = "-----BEGIN CERTIFICATE-----\n".repeat(1000) + pem;
    const result = parseCertificate(Buffer.from(text));
    expect(result.ok && Buffer.from(result.value.der).equals(Buffer.from(pki.anchor.der))).toBe(true);
  });

  it("an END whose label differs from its BEGIN closes nothing", () => {
    const body = Buffer.from(pki.anchor.der).toString("base64");
    const text = `-----BEGIN CERTIFICATE-----\n${body}\n-----END X509 CRL-----\n`;
    const result = parseCertificate(Buffer.from(text));
    expect(!result.ok && result.error.code).toBe("PARSE_ERROR");
  });
});

describe("LDIF", () => {
  const delta = [
    "version: 1",
    "",
    "dn: cn=x,o=dsc,c=DE,dc=data,dc=download,dc=pkd,dc=icao,dc=int",
    "changetype: delete",
    "",
  ].join("\n");

  it("a change record (a PKD delta file) is refused naming the line", () => {
    const result = parseLdif(delta);
    expect(!result.ok && result.error.code).toBe("PARSE_ERROR");
    expect(!result.ok && result.error.message).toContain(
      "LDIF line 4 is a change record (changetype: delete); PKD delta files are not accepted",
    );
  });

  it("a change record is refused when streamed too", async () => {
    async function* chunks() {
      yield Buffer.from(delta);
    }
    const items = [];
    for await (const item of streamLdif(chunks(), {}, () => true)) items.push(item);
    expect(items.some((item) => !item.ok && item.error.message.includes("changetype: delete"))).toBe(true);
  });

  it("a 16 MB line streamed in 4 KB chunks costs linear time", async () => {
    const line = `dn: cn=${"a".repeat(16 * 1024 * 1024)},o=dsc,c=DE\nchangetype: add\n`;
    const bytes = Buffer.from(line);
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += 4096) yield bytes.subarray(at, at + 4096);
    }
    const started = performance.now();
    const items = [];
    for await (const item of streamLdif(chunks(), {}, () => true)) items.push(item);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(
      items.some((item) => !item.ok && item.error.message.includes("LDIF line 2 is a change record")),
    ).toBe(true);
  });
});
