// A PKD-sized ICAO download (collection 001: DSCs and CRLs), with the master list and trust anchor that make
// every DSC and CRL verifiable, generated with @certs/icao-sync's testing builders.
import {
  generateSigningKey,
  issueCertificate,
  issueCrl,
  reasonCodes,
  SeededRandom,
  signMasterList,
  simpleName,
  writePkdLdif,
  type GeneratedCertificate,
  type PkdEntry,
  type RevocationSpec,
  type SigningKey,
} from "@certs/icao-sync/testing";

/** Bump when the generated content changes, so cached files of the old shape are not reused. */
export const SYNTHETIC_PKD_VERSION = "2";

/** What to generate. */
export interface SyntheticPkdSpec {
  readonly dscs: number;
  readonly countries: number;
  /** One CRL per CSCA; each country has at least one CSCA. */
  readonly crls: number;
  /** Revoked entries over all CRLs. */
  readonly revokedEntries: number;
  /** Distinct CSCA key pairs the CSCAs share ("a handful"). */
  readonly cscaKeys: number;
  /** Distinct DSC public keys, reused round-robin (key generation is not what the sync reads). */
  readonly dscKeys: number;
  readonly seed: string;
}

/** What a generation produced. */
export interface SyntheticPkdCounts {
  /** CSCAs in the master list: one per CRL. */
  readonly cscas: number;
  readonly dscs: number;
  readonly crls: number;
  readonly revokedEntries: number;
  readonly countries: number;
  readonly bytes: number;
}

/** The issue's PKD size: 50,000 DSCs, 300 CRLs, 200,000 revoked entries. */
export const FULL_PKD_DSCS = 50_000;
const FULL_PKD_CRLS = 300;
const FULL_PKD_REVOKED = 200_000;
const COUNTRIES = 60;

/**
 * The PKD-sized spec scaled to `dscs` DSCs: CRLs and revoked entries keep the issue's proportions
 * (300 and 200,000 per 50,000 DSCs), with at least one CRL per country.
 */
export function syntheticPkdSpec(dscs: number = FULL_PKD_DSCS): SyntheticPkdSpec {
  const scale = dscs / FULL_PKD_DSCS;
  const countries = Math.min(COUNTRIES, Math.max(1, dscs));
  return {
    dscs,
    countries,
    crls: Math.max(countries, Math.round(FULL_PKD_CRLS * scale)),
    revokedEntries: Math.round(FULL_PKD_REVOKED * scale),
    cscaKeys: 6,
    dscKeys: 256,
    seed: "certs-bench-icao-pkd",
  };
}

/** The files one generation writes: the LDIF, the master list of its CSCAs, and the list's trust anchor. */
export interface SyntheticPkdFiles {
  readonly ldif: string;
  readonly masterList: string;
  readonly trustAnchor: string;
}

/** The file names a spec is cached under (in `dir`): the generator version and every size in it. */
export function syntheticPkdFiles(dir: string, spec: SyntheticPkdSpec): SyntheticPkdFiles {
  const base =
    `${dir}/icao-pkd-v${SYNTHETIC_PKD_VERSION}-${spec.dscs}dsc-${spec.countries}c-${spec.crls}crl-` +
    `${spec.revokedEntries}rev-${spec.cscaKeys}k-${spec.seed}`;
  return { ldif: `${base}.ldif`, masterList: `${base}.ml`, trustAnchor: `${base}-anchor.cer` };
}

/** What `generateSyntheticPkd` returns besides the LDIF it wrote. */
export interface SyntheticPkd {
  readonly counts: SyntheticPkdCounts;
  /** A CSCA master list (CMS SignedData, DER) holding every CSCA that issued the DSCs and CRLs. */
  readonly masterList: Uint8Array;
  /** The root the master list signer chains to (DER): the sync's trust anchor. */
  readonly trustAnchor: Uint8Array;
}

// Sixty ISO 3166 codes: the PKD's participants are about this many.
const COUNTRY_CODES = [
  "AT", "AU", "BE", "BG", "BR", "CA", "CH", "CL", "CN", "CO", "CY", "CZ", "DE", "DK", "EE", "EG", "ES", "FI",
  "FR", "GB", "GR", "HR", "HU", "ID", "IE", "IL", "IN", "IS", "IT", "JP", "KE", "KR", "LT", "LU", "LV", "MA",
  "MT", "MX", "MY", "NG", "NL", "NO", "NZ", "PE", "PH", "PL", "PT", "QA", "RO", "SA", "SE", "SG", "SI", "SK",
  "TH", "TR", "UA", "US", "UY", "ZA",
] as const; // prettier-ignore

const DAY = 86_400_000;
const BASE_TIME = Date.UTC(2025, 5, 1);

/**
 * Splits `total` into `parts` whole numbers with a long tail (part i weighs 1 / (1 + i / 4)), as the real PKD
 * has a few countries with thousands of DSCs and many with a few dozen. Every part gets at least `minimum`;
 * the parts sum to `total` exactly (which must be at least `parts × minimum`).
 */
export function skewedSplit(total: number, parts: number, minimum = 0): number[] {
  const spread = total - parts * minimum;
  if (parts < 1 || spread < 0)
    throw new RangeError(`cannot split ${total} into ${parts} parts of ${minimum}+`);
  const weights = Array.from({ length: parts }, (_, i) => 1 / (1 + i / 4));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => minimum + Math.floor((spread * w) / sum));
  let rest = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % parts, rest -= 1) counts[i] = (counts[i] ?? 0) + 1;
  return counts;
}

function positiveSerial(random: SeededRandom, bytes: number): bigint {
  // Top bit clear, as CAs write them, and never zero.
  const raw = random.bytes(bytes);
  raw[0] = (raw[0] ?? 0) & 0x7f;
  return BigInt(`0x${Buffer.from(raw).toString("hex")}`) + 1n;
}

// keyUsage digitalSignature: what DSCs and list signers carry (CSCAs keep the default keyCertSign, cRLSign).
const DIGITAL_SIGNATURE = 0x80;

/** The master list issuer: a root CSCA (the trust anchor) and the list signer it certified. */
function masterListIssuer(random: SeededRandom) {
  const name = (unit: string, cn: string) =>
    simpleName(["C", "UN"], ["O", "United Nations"], ["OU", unit], ["CN", cn]);
  const anchor = issueCertificate({
    subject: name("Certification Authorities", "Synthetic PKD CSCA"),
    serialNumber: positiveSerial(random, 8),
    notBefore: new Date(BASE_TIME - 5 * 365 * DAY),
    notAfter: new Date(BASE_TIME + 15 * 365 * DAY),
    key: generateSigningKey("ecdsa-p256"),
    subjectKeyIdentifier: random.bytes(20),
  });
  const signer = issueCertificate({
    subject: name("Master List Signers", "Synthetic PKD Master List Signer"),
    serialNumber: positiveSerial(random, 8),
    notBefore: new Date(BASE_TIME - 60 * DAY),
    notAfter: new Date(BASE_TIME + 5 * 365 * DAY),
    key: generateSigningKey("ecdsa-p256"),
    issuer: anchor,
    subjectKeyIdentifier: random.bytes(20),
    basicConstraints: "none",
    keyUsage: DIGITAL_SIGNATURE,
  });
  return { anchor, signer };
}

/**
 * Generates the download country by country and hands it to `write` in pieces (one LDIF text per country,
 * the file header only in the first), so memory stays bounded by the largest country. Every country has
 * self-signed CSCAs (one per CRL, sharing a few key pairs) that issue its ECDSA P-256 DSCs and each sign one
 * CRL; a master list signed by a signer under the returned trust anchor carries all the CSCAs, so every DSC
 * and CRL verifies. Everything is real DER signed with node:crypto. Names, serials, dates and counts depend
 * only on `spec`; keys are fresh each run.
 */
export function generateSyntheticPkd(
  spec: SyntheticPkdSpec,
  write: (text: string) => void,
  onCountry: (done: { countries: number; dscs: number; revokedEntries: number }) => void = () => {},
): SyntheticPkd {
  if (spec.countries > COUNTRY_CODES.length) {
    throw new RangeError(`at most ${COUNTRY_CODES.length} countries can be generated`);
  }
  const random = new SeededRandom(spec.seed);
  const cscaKeys: SigningKey[] = Array.from({ length: spec.cscaKeys }, () =>
    generateSigningKey("ecdsa-p256"),
  );
  const dscKeys: SigningKey[] = Array.from({ length: spec.dscKeys }, () => generateSigningKey("ecdsa-p256"));
  const countries = COUNTRY_CODES.slice(0, spec.countries);
  if (spec.crls < spec.countries) throw new RangeError("every country needs a CSCA, and each CSCA a CRL");
  const cscasPerCountry = skewedSplit(spec.crls, spec.countries, 1);
  const dscsPerCountry = skewedSplit(spec.dscs, spec.countries);
  const revokedPerCrl = skewedSplit(spec.revokedEntries, spec.crls);

  const issuer = masterListIssuer(random);
  const allCscas: Uint8Array[] = [];
  let bytes = 0;
  let first = true;
  let dscCount = 0;
  let crlCount = 0;
  let revokedCount = 0;
  let crlIndex = 0;
  for (const [countryIndex, code] of countries.entries()) {
    const cscas: GeneratedCertificate[] = [];
    for (let g = 0; g < (cscasPerCountry[countryIndex] ?? 1); g++) {
      cscas.push(
        issueCertificate({
          subject: simpleName(["C", code], ["O", `Government of ${code}`], ["CN", `CSCA ${code} ${g + 1}`]),
          serialNumber: positiveSerial(random, 8),
          notBefore: new Date(BASE_TIME - (5 + g) * 365 * DAY),
          notAfter: new Date(BASE_TIME + 10 * 365 * DAY),
          key: cscaKeys[(countryIndex + g) % cscaKeys.length] as SigningKey,
          subjectKeyIdentifier: random.bytes(20),
        }),
      );
    }
    allCscas.push(...cscas.map((csca) => csca.der));
    const entries: PkdEntry[] = [];
    const dscs = dscsPerCountry[countryIndex] ?? 0;
    for (let i = 0; i < dscs; i++) {
      const subject = simpleName(
        ["C", code],
        ["O", `Government of ${code}`],
        ["OU", "Document Signers"],
        ["CN", `DS ${code} ${i + 1}`],
      );
      const notBefore = new Date(BASE_TIME - random.int(0, 3 * 365) * DAY);
      const dsc = issueCertificate({
        subject,
        serialNumber: positiveSerial(random, 12),
        notBefore,
        notAfter: new Date(notBefore.getTime() + (3 * 365 + 90) * DAY),
        key: dscKeys[dscCount % dscKeys.length] as SigningKey,
        issuer: cscas[i % cscas.length] as GeneratedCertificate,
        subjectKeyIdentifier: random.bytes(20),
        basicConstraints: "none",
        keyUsage: DIGITAL_SIGNATURE,
      });
      entries.push({ kind: "dsc", country: code, subject, serialNumber: dsc.serialNumber, der: dsc.der });
      dscCount += 1;
    }
    for (const csca of cscas) {
      const revocations: RevocationSpec[] = [];
      for (let i = 0; i < (revokedPerCrl[crlIndex] ?? 0); i++) {
        // Most real entries carry no reason code; the rest spread over the RFC 5280 reasons.
        const withReason = random.next() < 0.3;
        revocations.push({
          serialNumber: positiveSerial(random, 12),
          revocationDate: new Date(BASE_TIME - random.int(1, 4 * 365) * DAY + random.int(0, DAY - 1)),
          ...(withReason ? { reasonCode: random.pick(reasonCodes) } : {}),
        });
      }
      // Fresh for years, so a sync stores them as `verified` (not `stale`) whenever the bench runs.
      const crl = issueCrl(csca, revocations, {
        thisUpdate: new Date(BASE_TIME - 10 * DAY),
        nextUpdate: new Date(BASE_TIME + 10 * 365 * DAY),
      });
      entries.push({ kind: "crl", country: code, issuer: csca.subject, der: crl.der });
      crlIndex += 1;
      crlCount += 1;
      revokedCount += revocations.length;
    }
    let text = writePkdLdif("001", entries, { pkdVersion: 9000 });
    // writePkdLdif starts every file with the version line and the base entry; the file needs them once.
    if (!first) text = text.slice(text.indexOf(`\n\ndn: c=${code},`) + 2);
    first = false;
    write(text);
    bytes += Buffer.byteLength(text);
    onCountry({ countries: countryIndex + 1, dscs: dscCount, revokedEntries: revokedCount });
  }
  const masterList = signMasterList({
    certificates: allCscas,
    signer: issuer.signer,
    signingTime: new Date(BASE_TIME),
  });
  return {
    counts: {
      cscas: allCscas.length,
      dscs: dscCount,
      crls: crlCount,
      revokedEntries: revokedCount,
      countries: countries.length,
      bytes,
    },
    masterList,
    trustAnchor: issuer.anchor.der,
  };
}
