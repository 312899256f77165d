// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API loaded first.
import "reflect-metadata";
import type { webcrypto } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, Extensions } from "@peculiar/asn1-x509";
import {
  AuthorityInfoAccessExtension,
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CertificatePolicyExtension,
  CRLDistributionPointsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
} from "@peculiar/x509";
import { keyMaterial, type IssuingAuthority, type PrecertSigner } from "./certificate-authorities.js";
import { SeededRandom } from "./seeded-random.js";
import { createWithSteadySignature } from "./steady-signature.js";
import { concat, uint, vector } from "./tls-encoding.js";

/** A generated `get-entries` element and what was put into it (for asserting decoders against). */
export interface GeneratedCtEntry {
  /** The element as a JSON string, compact or with Python's default `, ` / `: ` separators. */
  readonly ctEntry: string;
  readonly separators: "compact" | "spaced";
  readonly entryType: "x509_entry" | "precert_entry";
  readonly timestamp: Date;
  readonly subject: string;
  readonly commonName: string | null;
  readonly dnsNames: readonly string[];
  readonly issuer: string;
  /** Lowercase hex. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly chainLength: number;
  /** precert only: the pre-certificate was signed by the CA's Precertificate Signing Certificate. */
  readonly precertSigningCertificate: boolean;
}

/** How `generateCtEntries` shapes its entries. */
export interface GenerateCtEntriesOptions {
  readonly seed: string | number;
  readonly count: number;
  /** Share of precert entries (real logs: most). Default 0.8. */
  readonly precertRatio?: number;
  /** Share of entries serialised with spaced separators. Default 0.1. */
  readonly spacedRatio?: number;
  /** Share of certificates whose subject has no common name. Default 0.05. */
  readonly noCommonNameRatio?: number;
  /**
   * Share of precerts signed by a Precertificate Signing Certificate (in the chain, before the CA). Default 0;
   * when 0 no random draw is made, so entries of a seed stay as they were.
   */
  readonly precertSigningRatio?: number;
}

const POISON_OID = "1.3.6.1.4.1.11129.2.4.3";
const SCT_LIST_OID = "1.3.6.1.4.1.11129.2.4.2";
/** The CA/Browser Forum's domain-validated certificate policy. */
const DV_POLICY = "2.23.140.1.2.1";
const WORDS = [
  "sakura",
  "order",
  "shop",
  "mail",
  "tokyo",
  "osaka",
  "nagoya",
  "kyoto",
  "yokohama",
  "fuji",
  "hikari",
  "mirai",
  "kaisha",
  "cloud",
  "portal",
  "stg",
  "dev",
  "api",
  "www",
  "support",
  "member",
  "reserve",
];
const SUFFIXES = [".jp", ".co.jp", ".ne.jp", ".or.jp", ".ac.jp", ".go.jp", ".tokyo"];
const ORGANISATIONS = [
  "Example Trading K.K.",
  "株式会社サンプル商事",
  "Synthetic Railway Co., Ltd.",
  "テスト大学",
];
const FIRST_TIMESTAMP = Date.UTC(2024, 0, 1);
const LAST_TIMESTAMP = Date.UTC(2026, 5, 30);
const DAY_MS = 86_400_000;

/**
 * Generates realistic RFC 6962 entries signed by a small process-wide CA pool. Every field (names, serials,
 * dates, entry types, separators) and every size follows from the seed; signatures and keys differ between
 * processes, but not their lengths.
 */
export async function generateCtEntries(options: GenerateCtEntriesOptions): Promise<GeneratedCtEntry[]> {
  const material = await keyMaterial();
  const random = new SeededRandom(`ct-entries:${options.seed}`);
  const entries: GeneratedCtEntry[] = [];
  for (let i = 0; i < options.count; i += 1) {
    entries.push(
      await generateEntry(random.fork(String(i)), material.authorities, material.leafKeys, options),
    );
  }
  return entries;
}

async function generateEntry(
  random: SeededRandom,
  authorities: readonly IssuingAuthority[],
  leafKeys: readonly webcrypto.CryptoKeyPair[],
  options: GenerateCtEntriesOptions,
): Promise<GeneratedCtEntry> {
  const entryType = random.chance(options.precertRatio ?? 0.8) ? "precert_entry" : "x509_entry";
  const separators = random.chance(options.spacedRatio ?? 0.1) ? "spaced" : "compact";
  const authority = random.pick(authorities);
  const leafKey = random.pick(leafKeys);
  const names = dnsNames(random);
  const primary = names[0] ?? "example.jp";
  const withCommonName = !random.chance(options.noCommonNameRatio ?? 0.05);
  const subject = subjectName(random, withCommonName ? primary : null);
  const notBefore = new Date(Math.floor(random.int(FIRST_TIMESTAMP, LAST_TIMESTAMP) / 1000) * 1000);
  const lifetimeDays = random.pick([90, 90, 90, 198, 397]);
  const notAfter = new Date(notBefore.getTime() + lifetimeDays * DAY_MS - 1000);
  const timestamp = new Date(notBefore.getTime() + random.int(60_000, 3_600_000));
  const serialBytes = random.bytes(random.pick([12, 16, 16, 18]));
  // A positive INTEGER with no leading zero byte, so the encoded serial is exactly these bytes.
  serialBytes[0] = ((serialBytes[0] ?? 1) & 0x7f) | 0x01;
  const serialNumber = Buffer.from(serialBytes).toString("hex");

  const extensions: Extension[] = [
    new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment, true),
    new BasicConstraintsExtension(false, undefined, true),
    new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth, ExtendedKeyUsage.clientAuth]),
    new SubjectAlternativeNameExtension(
      names.map((value) => ({ type: "dns" as const, value })),
      !withCommonName,
    ),
    await SubjectKeyIdentifierExtension.create(leafKey.publicKey),
    await AuthorityKeyIdentifierExtension.create(authority.certificate.publicKey),
    new AuthorityInfoAccessExtension({ ocsp: authority.urls.ocsp, caIssuers: authority.urls.caIssuers }),
    // Most public CAs still publish CRLs in their leaves; some (Let's Encrypt until 2025) leave them out.
    ...(random.chance(0.6) ? [new CRLDistributionPointsExtension([authority.urls.crl])] : []),
    new CertificatePolicyExtension([DV_POLICY]),
    entryType === "precert_entry"
      ? new Extension(POISON_OID, true, new Uint8Array([0x05, 0x00]))
      : new Extension(SCT_LIST_OID, false, octetString(vector(sctList(random), 2))),
  ];
  // Drawn after every other draw, and only when asked for, so that the other fields of a seed do not move.
  const viaSigner =
    entryType === "precert_entry" &&
    (options.precertSigningRatio ?? 0) > 0 &&
    random.chance(options.precertSigningRatio ?? 0);
  const fields: LeafFields = {
    subject,
    serialNumber,
    notBefore,
    notAfter,
    publicKey: leafKey.publicKey,
    signingAlgorithm: authority.signingAlgorithm,
    extensions,
  };
  const certificate = await createWithSteadySignature(authority.signingAlgorithm, () =>
    X509CertificateGenerator.create({
      ...fields,
      issuer: authority.certificate.subjectName,
      signingKey: authority.signingKey,
    }),
  );
  const der = new Uint8Array(certificate.rawData);
  const signer = authority.precertSigner;
  const chainCertificates = viaSigner
    ? [new Uint8Array(signer.certificate.rawData), ...authority.chain]
    : authority.chain;
  const chain = vector(concat(chainCertificates.map((c) => vector(c, 3))), 3);

  let leafInput: Uint8Array;
  let extraData: Uint8Array;
  if (entryType === "x509_entry") {
    leafInput = concat([
      uint(0, 1),
      uint(0, 1),
      uint(timestamp.getTime(), 8),
      uint(0, 2),
      vector(der, 3),
      uint(0, 2),
    ]);
    extraData = chain;
  } else {
    const tbs = precertTbs(der);
    leafInput = concat([
      uint(0, 1),
      uint(0, 1),
      uint(timestamp.getTime(), 8),
      uint(1, 2),
      authority.keyHash,
      vector(tbs, 3),
      uint(0, 2),
    ]);
    // With a signer, the log still signs the CA's TBS (der's); the pre-certificate is the signer's.
    const preCertificate = viaSigner ? await signedBySigner(fields, signer, authority.signingAlgorithm) : der;
    extraData = concat([vector(preCertificate, 3), chain]);
  }
  const leafBase64 = Buffer.from(leafInput).toString("base64");
  const extraBase64 = Buffer.from(extraData).toString("base64");
  const ctEntry =
    separators === "compact"
      ? JSON.stringify({ leaf_input: leafBase64, extra_data: extraBase64 })
      : `{"leaf_input": "${leafBase64}", "extra_data": "${extraBase64}"}`;

  return {
    ctEntry,
    separators,
    entryType,
    timestamp,
    subject: certificate.subject,
    commonName: withCommonName ? primary : null,
    dnsNames: names,
    issuer: authority.name,
    serialNumber,
    notBefore,
    notAfter,
    chainLength: chainCertificates.length,
    precertSigningCertificate: viaSigner,
  };
}

/** What a generated leaf is made of, so that the same pre-certificate can be issued by another signer. */
type LeafFields = Omit<Parameters<typeof X509CertificateGenerator.create>[0], "issuer" | "signingKey">;

/** The same pre-certificate issued in the name of the CA's precertificate signing certificate, signed by it. */
async function signedBySigner(
  fields: LeafFields,
  signer: PrecertSigner,
  signingAlgorithm: IssuingAuthority["signingAlgorithm"],
): Promise<Uint8Array> {
  // Signed by the signer, it names the signer's key; the TBS rewrite puts back the signer's own AKI (the CA's).
  const aki = await AuthorityKeyIdentifierExtension.create(signer.certificate.publicKey);
  const extensions = (fields.extensions ?? []).map((extension) =>
    extension instanceof AuthorityKeyIdentifierExtension ? aki : extension,
  );
  const certificate = await createWithSteadySignature(signingAlgorithm, () =>
    X509CertificateGenerator.create({
      ...fields,
      extensions,
      issuer: signer.certificate.subjectName,
      signingKey: signer.signingKey,
      signingAlgorithm,
    }),
  );
  return new Uint8Array(certificate.rawData);
}

/** The TBSCertificate a log signs for a precertificate: the pre-certificate's, without the poison extension. */
function precertTbs(preCertificateDer: Uint8Array): Uint8Array {
  const parsed = AsnConvert.parse(preCertificateDer, Certificate);
  const tbs = parsed.tbsCertificate;
  if (tbs.extensions !== undefined) {
    tbs.extensions = new Extensions(tbs.extensions.filter((e) => e.extnID !== POISON_OID));
  }
  return new Uint8Array(AsnConvert.serialize(tbs));
}

function dnsNames(random: SeededRandom): string[] {
  const base = `${random.pick(WORDS)}${random.chance(0.5) ? `-${random.pick(WORDS)}` : ""}${random.int(1, 99)}`;
  const domain = `${base}${random.pick(SUFFIXES)}`;
  const names = [random.chance(0.15) ? `*.${domain}` : domain];
  if (random.chance(0.4)) names.push(`www.${domain}`);
  if (random.chance(0.2)) names.push(`${random.pick(WORDS)}.${domain}`);
  return names;
}

function subjectName(random: SeededRandom, commonName: string | null): string {
  const parts: string[] = [];
  if (random.chance(0.25)) {
    parts.push("C=JP", `ST=${random.pick(["Tokyo", "東京都", "Osaka"])}`, `O=${random.pick(ORGANISATIONS)}`);
  }
  if (commonName !== null) parts.push(`CN=${commonName}`);
  if (parts.length === 0) parts.push(`O=${random.pick(ORGANISATIONS)}`);
  return parts.join(", ");
}

/** Two opaque SCTs (version, log id, timestamp, extensions, signature), the usual count in a leaf. */
function sctList(random: SeededRandom): Uint8Array {
  const sct = (): Uint8Array =>
    vector(
      concat([
        uint(0, 1),
        random.bytes(32),
        random.bytes(8),
        uint(0, 2),
        random.bytes(2),
        vector(random.bytes(71), 2),
      ]),
      2,
    );
  return concat([sct(), sct()]);
}

function octetString(content: Uint8Array): Uint8Array {
  const length =
    content.length < 0x80 ? uint(content.length, 1) : concat([uint(0x82, 1), uint(content.length, 2)]);
  return concat([uint(0x04, 1), length, content]);
}
