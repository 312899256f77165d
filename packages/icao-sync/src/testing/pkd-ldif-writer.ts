import type { NameSpec } from "./certificate-factory.js";

/** The ICAO PKD collections: 001 DSCs and CRLs, 002 master lists, 003 non-conformant DSCs. */
export type PkdCollection = "001" | "002" | "003";

/** The conformance remarks of a collection 003 entry (`pkdConformanceCode` / `pkdConformanceText`, in pairs). */
export interface PkdConformance {
  readonly codes: readonly string[];
  readonly texts: readonly string[];
}

/** The remarks written on a collection 003 DSC when the entry gives none: two, as most real entries have several. */
export const DEFAULT_CONFORMANCE: PkdConformance = {
  codes: ["ERR:DSC.EXT.KUS", "ERR:CSCA.BAC.25"],
  texts: [
    "Key usage extension is not marked critical as ICAO Doc 9303 requires for document signer certificates.",
    "ERR:CSCA:Extension:BasicConstraints: Path Length must be present in Country Signing CA.",
  ],
};

/** One entry of a PKD LDIF file. */
export type PkdEntry =
  | {
      /** A DSC under `o=dsc`, or a Bar Code Signer under `o=bcsc` / `o=bcsc-nc`. */
      readonly kind: "dsc" | "bcsc" | "bcsc-nc";
      readonly country: string;
      readonly subject: NameSpec;
      readonly serialNumber: bigint;
      readonly der: Uint8Array;
      /** Collection 003 only; default `DEFAULT_CONFORMANCE`. */
      readonly conformance?: PkdConformance;
      /** This entry's pkdVersion instead of the file's. */
      readonly pkdVersion?: number;
    }
  | { readonly kind: "crl"; readonly country: string; readonly issuer: NameSpec; readonly der: Uint8Array }
  | {
      readonly kind: "ml";
      readonly country: string;
      readonly signer: NameSpec;
      readonly serialNumber: bigint;
      readonly der: Uint8Array;
    };

/** Options of `writePkdLdif`. */
export interface PkdLdifOptions {
  /** Column at which lines are folded (the real PKD folds at 78). */
  readonly foldAt?: number;
  /** The pkdVersion written on each entry. */
  readonly pkdVersion?: number;
}

const SUFFIX = "dc=download,dc=pkd,dc=icao,dc=int";

/** Escapes a DN attribute value (RFC 4514): the specials, and a leading `#`/space or trailing space. */
export function escapeLdapValue(value: string): string {
  let out = value.replace(/[\\,=+"<>;]/g, (c) => `\\${c}`);
  if (out.startsWith("#") || out.startsWith(" ")) out = `\\${out}`;
  if (out.endsWith(" ")) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** A name as the PKD writes it inside a `cn=`: `C=MD,O=...,CN=...` in DER order, unescaped. */
export function pkdNameLabel(name: NameSpec): string {
  return name.map((rdn) => rdn.map((a) => `${a.type}=${a.value}`).join("+")).join(",");
}

function fold(line: string, width: number): string {
  if (line.length <= width) return line;
  const parts = [line.slice(0, width)];
  for (let i = width; i < line.length; i += width - 1) parts.push(` ${line.slice(i, i + width - 1)}`);
  return parts.join("\n");
}

function serialHex(serial: bigint): string {
  return (serial < 0n ? -serial : serial).toString(16).toUpperCase();
}

/**
 * Writes a PKD-style LDIF file: container entries per country, one entry per DSC, CRL or master list with
 * its value base64-encoded (`attr:: ...`), DNs escaped (`cn=C\=MD\,O\=...+sn=...`, base64 `dn::` when not
 * ASCII), a comment, and every line folded at `foldAt` columns with one-space continuations.
 */
export function writePkdLdif(
  collection: PkdCollection,
  entries: readonly PkdEntry[],
  options: PkdLdifOptions = {},
): string {
  const width = options.foldAt ?? 78;
  const version = options.pkdVersion ?? 1;
  const base = collection === "003" ? `dc=nc-data,${SUFFIX}` : `dc=data,${SUFFIX}`;
  const out: string[] = [
    "version: 1",
    "",
    fold(
      `# ICAO PKD collection ${collection} generated for tests; this comment is long enough that it must be folded onto a continuation line`,
      width,
    ),
    `dn: ${base}`,
    "objectClass: top",
    "objectClass: domain",
    `dc: ${collection === "003" ? "nc-data" : "data"}`,
    "",
  ];
  const containers = new Set<string>();
  const push = (lines: string[]): void => {
    for (const line of lines) out.push(fold(line, width));
    out.push("");
  };
  const dnLine = (dn: string): string =>
    /^[\x20-\x7e]*$/.test(dn) ? `dn: ${dn}` : `dn:: ${Buffer.from(dn, "utf8").toString("base64")}`;

  for (const entry of entries) {
    const org = entry.kind;
    const countryDn = `c=${entry.country},${base}`;
    if (!containers.has(countryDn)) {
      containers.add(countryDn);
      push([`dn: ${countryDn}`, `c: ${entry.country}`, "objectClass: country", "objectClass: top"]);
    }
    const orgDn = `o=${org},${countryDn}`;
    if (!containers.has(orgDn)) {
      containers.add(orgDn);
      push([`dn: ${orgDn}`, "objectClass: organization", "objectClass: top", `o: ${org}`]);
    }
    const data = Buffer.from(entry.der).toString("base64");
    if (entry.kind !== "crl" && entry.kind !== "ml") {
      const label = pkdNameLabel(entry.subject);
      const lines = [dnLine(`cn=${escapeLdapValue(label)}+sn=${serialHex(entry.serialNumber)},${orgDn}`)];
      if (collection === "003") {
        const conformance = entry.conformance ?? DEFAULT_CONFORMANCE;
        // The real 003 file writes each text before its code, interleaved.
        conformance.codes.forEach((code, i) => {
          const text = conformance.texts[i];
          if (text !== undefined) lines.push(`pkdConformanceText: ${text}`);
          lines.push(`pkdConformanceCode: ${code}`);
        });
      }
      lines.push(
        `pkdVersion: ${entry.pkdVersion ?? version}`,
        `sn: ${serialHex(entry.serialNumber)}`,
        `cn: ${label}`,
        `userCertificate;binary:: ${data}`,
      );
      lines.push("objectClass: inetOrgPerson", "objectClass: pkdDownload");
      push(lines);
    } else if (entry.kind === "crl") {
      push([
        dnLine(`cn=${escapeLdapValue(pkdNameLabel(entry.issuer))},${orgDn}`),
        "objectClass: cRLDistributionPoint",
        "objectClass: pkdDownload",
        `certificateRevocationList;binary:: ${data}`,
        `pkdVersion: ${version}`,
      ]);
    } else {
      push([
        dnLine(
          `cn=${escapeLdapValue(pkdNameLabel(entry.signer))}+sn=${serialHex(entry.serialNumber)},${orgDn}`,
        ),
        "objectClass: pkdMasterList",
        "objectClass: pkdDownload",
        `pkdMasterListContent:: ${data}`,
        `pkdVersion: ${version}`,
        `sn: ${serialHex(entry.serialNumber)}`,
      ]);
    }
  }
  return `${out.join("\n")}\n`;
}
