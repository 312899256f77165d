import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { type CertificateSummary, parseMasterList } from "../src/index.js";
import { fixture, masterLists } from "./fixtures.js";

/** What OpenSSL prints for one certificate, translated to the trust store's column formats. */
interface Expected {
  readonly issuer: string;
  readonly isn: string;
  readonly ski: string | null;
  readonly aki: string | null;
}

/** Runs `openssl x509` on one DER certificate fed through stdin. */
function openssl(der: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("openssl", [
      "x509",
      "-inform",
      "DER",
      "-noout",
      "-serial",
      // -esc_msb: print UTF-8 as is instead of \XX escapes, the only other difference from Python's escaping.
      "-nameopt",
      "RFC2253,-esc_msb",
      "-issuer",
      "-ext",
      "subjectKeyIdentifier,authorityKeyIdentifier",
    ]);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`openssl exited ${code}: ${stderr}`)),
    );
    child.stdin.end(der);
  });
}

// OpenSSL's names for attribute types Python prints as dotted OIDs (or, for street, as STREET).
// CN L ST O OU C DC UID are spelled the same by both.
const opensslNames: Readonly<Record<string, string>> = {
  serialNumber: "2.5.4.5",
  emailAddress: "1.2.840.113549.1.9.1",
  street: "STREET",
  title: "2.5.4.12",
  SN: "2.5.4.4",
  GN: "2.5.4.42",
  initials: "2.5.4.43",
  generationQualifier: "2.5.4.44",
  dnQualifier: "2.5.4.46",
  pseudonym: "2.5.4.65",
  organizationIdentifier: "2.5.4.97",
  businessCategory: "2.5.4.15",
  postalAddress: "2.5.4.16",
  postalCode: "2.5.4.17",
  telephoneNumber: "2.5.4.20",
  name: "2.5.4.41",
  description: "2.5.4.13",
  unstructuredName: "1.2.840.113549.1.9.2",
};
const sameInBoth = new Set(["CN", "L", "ST", "O", "OU", "C", "DC", "UID"]);

/**
 * Translates OpenSSL's RFC 2253 output into Python's rfc4514_string(): attribute names through the table
 * above (an unknown name fails the test rather than passing silently), and OpenSSL's `\XX` escapes of
 * control characters back to the characters (Python escapes only NUL, as `\00`, which OpenSSL writes too).
 */
function translateIssuer(openssl: string): string {
  const named = openssl.replace(
    /(^|[^\\][,+])([A-Za-z][A-Za-z0-9]*)=/g,
    (_all, separator: string, label: string) => {
      if (sameInBoth.has(label)) return `${separator}${label}=`;
      const python = opensslNames[label];
      if (python === undefined) throw new Error(`no translation for OpenSSL attribute name ${label}`);
      return `${separator}${python}=`;
    },
  );
  return named.replace(/\\([0-9A-F]{2})/g, (all, code: string) => {
    const value = Number.parseInt(code, 16);
    return value !== 0 && value < 0x20 ? String.fromCharCode(value) : all;
  });
}

function translate(output: string): Expected {
  const serial = /^serial=(-?)([0-9A-F]+)$/m.exec(output);
  const issuer = /^issuer=(.*)$/m.exec(output);
  if (serial === null || issuer === null) throw new Error(`unexpected openssl output: ${output}`);
  const digits = (serial[2] as string).replace(/^0+/, "").toLowerCase();
  const ski = /Subject Key Identifier: *\n +([0-9A-F:]+)\n/.exec(output);
  const aki = /Authority Key Identifier: *\n +(?:keyid:)?([0-9A-F:]+)\n/.exec(output);
  const hex = (match: RegExpExecArray | null) =>
    match === null ? null : (match[1] as string).replace(/:/g, "").toLowerCase();
  return {
    issuer: translateIssuer(issuer[1] as string),
    isn: `${serial[1]}0x${digits === "" ? "0" : digits}`,
    ski: hex(ski),
    aki: hex(aki),
  };
}

async function expectations(certificates: readonly CertificateSummary[]): Promise<Expected[]> {
  const results: Expected[] = new Array<Expected>(certificates.length);
  let next = 0;
  // Two at a time: the machines running this have two cores shared with other work.
  const worker = async (): Promise<void> => {
    while (next < certificates.length) {
      const index = next++;
      results[index] = translate(await openssl((certificates[index] as CertificateSummary).der));
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

describe("extraction agrees with OpenSSL on every certificate of two real master lists", () => {
  it.each([masterLists.germany.file, masterLists.icao.file])(
    "%s: issuer, isn, SKI and AKI",
    async (file) => {
      const parsed = parseMasterList(fixture(file), { verify: false });
      if (!parsed.ok) throw new Error(parsed.error.message);
      const certificates = parsed.value.cscas;
      const expected = await expectations(certificates);
      const ours = certificates.map((c) => ({
        issuer: c.issuer,
        isn: c.serialNumber,
        ski: c.subjectKeyIdentifier,
        aki: c.authorityKeyIdentifier,
      }));
      const differences = ours.flatMap((o, i) =>
        JSON.stringify(o) === JSON.stringify(expected[i])
          ? []
          : [{ index: i, ours: o, openssl: expected[i] }],
      );
      expect(differences).toEqual([]);
      expect(certificates.length).toBeGreaterThan(500);
    },
    180_000,
  );
});
