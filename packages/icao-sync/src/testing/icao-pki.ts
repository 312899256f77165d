import {
  type GeneratedCertificate,
  issueCertificate,
  type NameSpec,
  simpleName,
} from "./certificate-factory.js";
import { type GeneratedCrl, issueCrl, reasonCodes, type RevocationSpec } from "./crl-factory.js";
import { type MasterListTamper, signMasterList } from "./master-list-factory.js";
import { type PkdEntry, writePkdLdif } from "./pkd-ldif-writer.js";
import { SeededRandom } from "./seeded-random.js";
import { generateSigningKey, type KeyAlgorithm, keyAlgorithms, type SigningKey } from "./signing-keys.js";

/** The real-world oddities the generated CSCAs cover, one CSCA each, whatever the seed. */
export type CscaQuirk =
  /** `C=al` (lowercase PrintableString), serial -0x4e, RSA PKCS#1 v1.5. */
  | "lowercase-country"
  /** No C attribute at all, serial 0, ECDSA P-256. */
  | "no-country"
  /** `C=LTU`, a 20-byte negative serial, brainpoolP256r1 with explicit parameters. */
  | "three-letter-country"
  /** Values needing every RFC 4514 escape (leading `#` and space, trailing space, `"+,;<>\`, NUL), RSASSA-PSS. */
  | "escaped-values"
  /** A multi-valued RDN, BMPString, T61String, IA5String, and the STREET/DC/UID/email/serialNumber/other types. */
  | "multi-valued-rdn"
  /** BasicConstraints with `cA FALSE` encoded explicitly (as real Ukrainian CSCAs do); SKI/AKI still present. */
  | "explicit-ca-false"
  /** Neither subjectKeyIdentifier nor authorityKeyIdentifier; an O written as a Latin-1 T61String. */
  | "no-key-identifiers"
  /** Two generations joined by a link certificate, brainpoolP512r1 with explicit parameters. */
  | "link-certificate";

/** Everything generated for one country. */
export interface CountryPki {
  /** The country code the PKD files it under (upper case). */
  readonly code: string;
  readonly quirk: CscaQuirk | null;
  /** Self-signed CSCAs, oldest generation first. */
  readonly cscas: readonly GeneratedCertificate[];
  /** Link certificates: the newer generation's key certified by the older one. */
  readonly links: readonly GeneratedCertificate[];
  readonly dscs: readonly GeneratedCertificate[];
  readonly crl: GeneratedCrl;
}

/** Options of `generateIcaoPki`. */
export interface IcaoPkiOptions {
  readonly seed: string | number;
  /** Countries beyond the quirk catalogue, with seed-chosen names, algorithms and serials. Default 3. */
  readonly extraCountries?: number;
  /** Key of the master list signer. Default brainpoolP256r1 with explicit parameters (as the German list). */
  readonly signerAlgorithm?: KeyAlgorithm;
  /** Key of the list issuer's root (the trust anchor). Default brainpoolP512r1 with explicit parameters. */
  readonly anchorAlgorithm?: KeyAlgorithm;
  /** The signingTime of the master list. Default 2025-06-01T12:00:00Z. */
  readonly signingTime?: Date;
  /** Validity of the signer certificate; default from 60 days before to 400 days after the signing time. */
  readonly signerValidity?: { readonly notBefore: Date; readonly notAfter: Date };
  readonly dscsPerCountry?: number;
  readonly rsaModulusLength?: number;
  readonly tamper?: MasterListTamper;
  readonly signerIdentifier?: "subjectKeyIdentifier" | "issuerAndSerialNumber";
}

/** A generated CSCA hierarchy, its signed master list, CRLs and PKD LDIF files. */
export interface IcaoPki {
  readonly signingTime: Date;
  /** The list issuer's first-generation root: the trust anchor. */
  readonly anchor: GeneratedCertificate;
  /** The list issuer's second-generation self-signed root. */
  readonly anchorRenewal: GeneratedCertificate;
  /** The second-generation key certified by the first generation (so the signer chains to `anchor`). */
  readonly anchorLink: GeneratedCertificate;
  /** The master list signer, issued by the second-generation key. */
  readonly signer: GeneratedCertificate;
  readonly countries: readonly CountryPki[];
  /** The CSCA showing each quirk. */
  readonly quirks: Readonly<Record<CscaQuirk, GeneratedCertificate>>;
  /** The certList as written, with one entry repeated. */
  readonly certList: readonly Uint8Array[];
  /** The distinct certList entries, in certList order. */
  readonly cscas: readonly GeneratedCertificate[];
  readonly dscs: readonly GeneratedCertificate[];
  readonly crls: readonly GeneratedCrl[];
  /** The signed master list (CMS DER). */
  readonly masterList: Uint8Array;
  readonly ldif: {
    /** Collection 001: every DSC and CRL. */
    readonly dscsAndCrls: string;
    /** Collection 002: a country master list. */
    readonly masterLists: string;
    /** Collection 003: the DSCs of one country, with conformance remarks. */
    readonly nonConformant: string;
  };
  /** Inputs a sync must refuse or keep apart, built on the same hierarchy. */
  readonly hostile: HostilePkdMaterial;
}

/** LDIF material that must not enter `dsc` or `root_ca` as it stands. */
export interface HostilePkdMaterial {
  /** A DSC naming the AL CSCA (subject and key identifier) as its issuer, signed by another key. */
  readonly wrongKeyDsc: GeneratedCertificate;
  /** A DSC of a CSCA that no list carries (C=ZZ). */
  readonly unknownIssuerDsc: GeneratedCertificate;
  /** A Bar Code Signer issued by the (trusted) AL CSCA: it verifies, and still is no DSC. */
  readonly barCodeSigner: GeneratedCertificate;
  /** The CSCA of `foreignSignedList`, which must never be stored or trusted. */
  readonly foreignListCsca: GeneratedCertificate;
  /** A DSC issued by `foreignListCsca`, unverifiable while that list is untrusted. */
  readonly foreignListDsc: GeneratedCertificate;
  readonly ldif: {
    /** Collection 001: a good AL DSC, `wrongKeyDsc`, `unknownIssuerDsc`, and `barCodeSigner` under `o=bcsc` and `o=bcsc-nc`. */
    readonly dscsAndBarCodeSigners: string;
    /** Collection 002: a list filed under `c=NL` but signed by a signer of the AL CSCA (another country). */
    readonly foreignSignedList: string;
    /** Collection 001: `foreignListDsc`. */
    readonly foreignListDscs: string;
  };
}

const YEAR = 365 * 24 * 3600 * 1000;
const DAY = 24 * 3600 * 1000;
const extraCountryPool = [
  "AT",
  "BE",
  "CH",
  "CZ",
  "DK",
  "EE",
  "ES",
  "FI",
  "FR",
  "IE",
  "JP",
  "KR",
  "LU",
  "LV",
  "MD",
  "MT",
  "NO",
  "PL",
  "PT",
  "SE",
  "SG",
  "SK",
  "TH",
  "US",
];

/**
 * Generates a CSCA hierarchy and everything built on it, deterministically from the seed: names, serials,
 * counts, dates and key identifiers are the same for the same seed (keys and signatures are fresh).
 */
export function generateIcaoPki(options: IcaoPkiOptions): IcaoPki {
  const random = new SeededRandom(options.seed);
  const rsaModulusLength = options.rsaModulusLength ?? 2048;
  const key = (algorithm: KeyAlgorithm): SigningKey => generateSigningKey(algorithm, { rsaModulusLength });
  const signingTime = options.signingTime ?? new Date("2025-06-01T12:00:00Z");
  const t = signingTime.getTime();
  const ski = (): Uint8Array => random.bytes(20);

  // The list issuer: two generations and a link, so the signer chains to gen 1 only through the link.
  const anchorAlgorithm = options.anchorAlgorithm ?? "ecdsa-brainpool-p512-explicit";
  const anchorName = (serial: string): NameSpec =>
    simpleName(
      ["C", "UT"],
      ["O", "Utopia Master List Authority"],
      ["OU", "Certification Authorities"],
      ["CN", "Utopia CSCA"],
      ["serialNumber", serial],
    );
  const anchor = issueCertificate({
    subject: anchorName("1"),
    serialNumber: BigInt(random.int(1, 0xffff)),
    notBefore: new Date(t - 8 * YEAR),
    notAfter: new Date(t + 10 * YEAR),
    key: key(anchorAlgorithm),
    subjectKeyIdentifier: ski(),
  });
  const renewalKey = key(anchorAlgorithm);
  const renewalSki = ski();
  const anchorRenewal = issueCertificate({
    subject: anchorName("2"),
    serialNumber: BigInt(random.int(1, 0xffff)),
    notBefore: new Date(t - 2 * YEAR),
    notAfter: new Date(t + 12 * YEAR),
    key: renewalKey,
    subjectKeyIdentifier: renewalSki,
  });
  const anchorLink = issueCertificate({
    subject: anchorName("2"),
    serialNumber: BigInt(random.int(1, 0xffff)),
    notBefore: new Date(t - 2 * YEAR),
    notAfter: new Date(t + 10 * YEAR),
    key: renewalKey,
    issuer: anchor,
    subjectKeyIdentifier: renewalSki,
  });
  const signer = issueCertificate({
    subject: simpleName(
      ["C", "UT"],
      ["O", "Utopia Master List Authority"],
      ["OU", "Master List Signers"],
      ["CN", "Utopia Master List Signer"],
    ),
    serialNumber: BigInt(random.int(1, 0xffffff)),
    notBefore: options.signerValidity?.notBefore ?? new Date(t - 60 * DAY),
    notAfter: options.signerValidity?.notAfter ?? new Date(t + 400 * DAY),
    key: key(options.signerAlgorithm ?? "ecdsa-brainpool-p256-explicit"),
    issuer: anchorRenewal,
    subjectKeyIdentifier: ski(),
    basicConstraints: "none",
  });

  const countries: CountryPki[] = [];
  const quirks: Partial<Record<CscaQuirk, GeneratedCertificate>> = {};
  const cscaValidity = { notBefore: new Date(t - 3 * YEAR), notAfter: new Date(t + 12 * YEAR) };
  const addCountry = (
    code: string,
    quirk: CscaQuirk | null,
    generations: readonly GeneratedCertificate[],
    links: GeneratedCertificate[],
  ): void => {
    const latest = generations[generations.length - 1] as GeneratedCertificate;
    if (quirk !== null)
      quirks[quirk] = quirk === "link-certificate" ? (links[0] as GeneratedCertificate) : latest;
    const dscs: GeneratedCertificate[] = [];
    for (let i = 0; i < (options.dscsPerCountry ?? 2); i++) {
      dscs.push(
        issueCertificate({
          subject: simpleName(["C", code], ["O", `Document Signers ${code}`], ["CN", `DS ${code} ${i + 1}`]),
          serialNumber: BigInt(`0x${Buffer.from(random.bytes(8)).toString("hex")}`) + 1n,
          notBefore: new Date(t - 100 * DAY),
          notAfter: new Date(t + 3 * YEAR),
          key: key("ecdsa-p256"),
          issuer: latest,
          subjectKeyIdentifier: ski(),
          basicConstraints: "none",
        }),
      );
    }
    countries.push({
      code,
      quirk,
      cscas: generations,
      links,
      dscs,
      crl: issueCrl(latest, revocations(quirk, random, t), {
        thisUpdate: new Date(t - 10 * DAY),
        nextUpdate: new Date(t + 80 * DAY),
      }),
    });
  };
  const single = (
    code: string,
    quirk: CscaQuirk,
    subject: NameSpec,
    serial: bigint | Uint8Array,
    algorithm: KeyAlgorithm,
    extra: Partial<Parameters<typeof issueCertificate>[0]> = {},
  ): void => {
    const csca = issueCertificate({
      subject,
      serialNumber: serial,
      ...cscaValidity,
      key: key(algorithm),
      subjectKeyIdentifier: ski(),
      ...extra,
    });
    addCountry(code, quirk, [csca], []);
  };

  single(
    "AL",
    "lowercase-country",
    simpleName(["C", "al"], ["O", "Ministry of Interior"], ["CN", "CSCA ALB"]),
    new Uint8Array([0xb2]),
    "rsa-pkcs1",
  );
  single(
    "IT",
    "no-country",
    simpleName(["O", "Istituto Poligrafico"], ["CN", "CSCA No Country"]),
    new Uint8Array([0x00]),
    "ecdsa-p256",
  );
  single(
    "LT",
    "three-letter-country",
    simpleName(["C", "LTU"], ["O", "Republic of Lithuania"], ["CN", "CSCA LTU"]),
    Uint8Array.from([0xc1, ...Array.from({ length: 19 }, (_, i) => i)]),
    "ecdsa-brainpool-p256-explicit",
  );
  single(
    "UT",
    "escaped-values",
    [
      [{ type: "C", value: "UT" }],
      [{ type: "O", value: '#Hash, "Quotes" + Plus; Semi <Angle> Back\\slash ' }],
      [{ type: "OU", value: " leading space" }],
      [{ type: "CN", value: "Nul\u0000Char=Equals" }],
    ],
    1n,
    "rsa-pss",
  );
  single(
    "GR",
    "multi-valued-rdn",
    [
      [{ type: "C", value: "GR" }],
      [{ type: "O", value: "Ελληνική Δημοκρατία", encoding: "bmp" }],
      [{ type: "OU", value: "Cafe Societe", encoding: "teletex" }],
      [{ type: "L", value: "Αθήνα" }],
      [{ type: "ST", value: "Attica" }],
      [{ type: "STREET", value: "1 Example Street" }],
      [{ type: "DC", value: "example" }],
      [{ type: "UID", value: "csca-gr" }],
      [{ type: "emailAddress", value: "csca@example.org" }],
      // DER sorts a SET OF by encoding: the shorter serialNumber attribute comes first.
      [
        { type: "serialNumber", value: "007" },
        { type: "CN", value: "CSCA Greece" },
      ],
      [{ type: "2.5.4.97", value: "NTRGR-123" }],
    ],
    new Uint8Array([0x00, 0xff]),
    "ecdsa-brainpool-p384",
  );
  single(
    "UA",
    "explicit-ca-false",
    simpleName(["C", "UA"], ["O", "State Migration Service"], ["CN", "CSCA-UKRAINE"]),
    0x2an,
    "rsa-pkcs1",
    { basicConstraints: "explicit-false" },
  );
  single(
    "VA",
    "no-key-identifiers",
    [
      [{ type: "C", value: "VA" }],
      [{ type: "O", value: "Città del Vaticano", encoding: "teletex" }],
      [{ type: "CN", value: "CSCA VA" }],
    ],
    0x7fffffffn,
    "ecdsa-p256",
    { subjectKeyIdentifier: null, authorityKeyIdentifier: null },
  );
  {
    const name = (serial: string): NameSpec =>
      simpleName(
        ["C", "NL"],
        ["O", "Kingdom of the Netherlands"],
        ["CN", "CSCA NL"],
        ["serialNumber", serial],
      );
    const oldCsca = issueCertificate({
      subject: name("6"),
      serialNumber: 6n,
      notBefore: new Date(t - 6 * YEAR),
      notAfter: new Date(t + 6 * YEAR),
      key: key("ecdsa-brainpool-p512-explicit"),
      subjectKeyIdentifier: ski(),
    });
    const newKey = key("ecdsa-brainpool-p512-explicit");
    const newSki = ski();
    const newCsca = issueCertificate({
      subject: name("7"),
      serialNumber: 7n,
      ...cscaValidity,
      key: newKey,
      subjectKeyIdentifier: newSki,
    });
    const link = issueCertificate({
      subject: name("7"),
      serialNumber: 8n,
      ...cscaValidity,
      key: newKey,
      issuer: oldCsca,
      subjectKeyIdentifier: newSki,
    });
    addCountry("NL", "link-certificate", [oldCsca, newCsca], [link]);
  }
  for (const code of random.shuffle(extraCountryPool).slice(0, options.extraCountries ?? 3)) {
    const algorithm = random.pick(keyAlgorithms);
    const generations: GeneratedCertificate[] = [];
    const links: GeneratedCertificate[] = [];
    const count = random.int(1, 2);
    for (let g = 0; g < count; g++) {
      const subject = simpleName(
        ["C", code],
        ["O", `Government of ${code}`],
        ["CN", `CSCA ${code} ${g + 1}`],
      );
      const generationKey = key(algorithm);
      const generationSki = ski();
      const serial = random.bytes(random.int(1, 20));
      const csca = issueCertificate({
        subject,
        serialNumber: serial,
        notBefore: new Date(t - (4 - g) * YEAR),
        notAfter: new Date(t + (8 + g) * YEAR),
        key: generationKey,
        subjectKeyIdentifier: generationSki,
      });
      const previous = generations[generations.length - 1];
      if (previous !== undefined) {
        links.push(
          issueCertificate({
            subject,
            serialNumber: random.bytes(random.int(1, 20)),
            notBefore: csca.notBefore,
            notAfter: previous.notAfter,
            key: generationKey,
            issuer: previous,
            subjectKeyIdentifier: generationSki,
          }),
        );
      }
      generations.push(csca);
    }
    addCountry(code, null, generations, links);
  }

  const distinct = [
    anchor,
    anchorRenewal,
    anchorLink,
    ...random.shuffle(countries.flatMap((c) => [...c.cscas, ...c.links])),
  ];
  const certList = [...distinct.map((c) => c.der), anchor.der];
  const masterList = signMasterList({
    certificates: certList,
    signer,
    includedCertificates: [signer.der, anchorRenewal.der],
    signingTime,
    ...(options.tamper === undefined ? {} : { tamper: options.tamper }),
    ...(options.signerIdentifier === undefined ? {} : { signerIdentifier: options.signerIdentifier }),
  });

  const nl = countries.find((c) => c.code === "NL") as CountryPki;
  const nlLatest = nl.cscas[nl.cscas.length - 1] as GeneratedCertificate;
  const nlSigner = issueCertificate({
    subject: simpleName(["C", "NL"], ["O", "Kingdom of the Netherlands"], ["CN", "Masterlist Signer NL"]),
    serialNumber: 9n,
    notBefore: new Date(t - 30 * DAY),
    notAfter: new Date(t + YEAR),
    key: key("ecdsa-p256"),
    issuer: nlLatest,
    subjectKeyIdentifier: ski(),
    basicConstraints: "none",
  });
  const nlList = signMasterList({
    certificates: [...nl.cscas, ...nl.links].map((c) => c.der),
    signer: nlSigner,
    signingTime,
  });
  const dscEntries = (list: readonly CountryPki[]): PkdEntry[] =>
    list.flatMap((c) =>
      c.dscs.map((d) => ({
        kind: "dsc" as const,
        country: c.code,
        subject: d.subject,
        serialNumber: d.serialNumber,
        der: d.der,
      })),
    );
  const ukraine = countries.filter((c) => c.quirk === "explicit-ca-false");
  const hostile = hostileMaterial(countries, nl, {
    t,
    signingTime,
    ski,
    rsa: () => key("rsa-pkcs1"),
    ec: () => key("ecdsa-p256"),
  });

  return {
    signingTime,
    anchor,
    anchorRenewal,
    anchorLink,
    signer,
    countries,
    quirks: quirks as Record<CscaQuirk, GeneratedCertificate>,
    certList,
    cscas: distinct,
    dscs: countries.flatMap((c) => c.dscs),
    crls: countries.map((c) => c.crl),
    masterList,
    ldif: {
      dscsAndCrls: writePkdLdif("001", [
        ...dscEntries(countries),
        ...countries.map((c) => ({
          kind: "crl" as const,
          country: c.code,
          issuer: c.crl.issuer.subject,
          der: c.crl.der,
        })),
      ]),
      masterLists: writePkdLdif("002", [
        {
          kind: "ml",
          country: "NL",
          signer: nlSigner.subject,
          serialNumber: nlSigner.serialNumber,
          der: nlList,
        },
      ]),
      nonConformant: writePkdLdif("003", dscEntries(ukraine)),
    },
    hostile,
  };
}

/** Builds `IcaoPki.hostile` from the generated countries. */
function hostileMaterial(
  countries: readonly CountryPki[],
  nl: CountryPki,
  make: {
    readonly t: number;
    readonly signingTime: Date;
    readonly ski: () => Uint8Array;
    readonly rsa: () => SigningKey;
    readonly ec: () => SigningKey;
  },
): HostilePkdMaterial {
  const { t } = make;
  const albania = countries.find((c) => c.quirk === "lowercase-country") as CountryPki;
  const alCsca = albania.cscas[albania.cscas.length - 1] as GeneratedCertificate;
  const leaf = (subject: NameSpec, serial: bigint, issuer: GeneratedCertificate) =>
    issueCertificate({
      subject,
      serialNumber: serial,
      notBefore: new Date(t - 100 * DAY),
      notAfter: new Date(t + 3 * YEAR),
      key: make.ec(),
      issuer,
      subjectKeyIdentifier: make.ski(),
      basicConstraints: "none",
    });
  // Same name and key identifier as the AL CSCA, another RSA key: the signature cannot verify.
  const impostor: GeneratedCertificate = { ...alCsca, key: make.rsa() };
  const wrongKeyDsc = leaf(simpleName(["C", "AL"], ["CN", "DS AL forged"]), 0x1001n, impostor);
  const unknownCsca = issueCertificate({
    subject: simpleName(["C", "ZZ"], ["O", "Nowhere"], ["CN", "CSCA ZZ"]),
    serialNumber: 0x5a5an,
    notBefore: new Date(t - 2 * YEAR),
    notAfter: new Date(t + 10 * YEAR),
    key: make.ec(),
    subjectKeyIdentifier: make.ski(),
  });
  const unknownIssuerDsc = leaf(simpleName(["C", "ZZ"], ["CN", "DS ZZ 1"]), 0x1002n, unknownCsca);
  const barCodeSigner = leaf(simpleName(["C", "AL"], ["CN", "BCS AL 1"]), 0x1003n, alCsca);
  const goodDsc = albania.dscs[0] as GeneratedCertificate;

  // A list under c=NL whose signer the AL CSCA issued: trusted CSCA, wrong country.
  const foreignListCsca = issueCertificate({
    subject: simpleName(["C", "NL"], ["O", "Kingdom of the Netherlands"], ["CN", "CSCA NL rogue"]),
    serialNumber: 0x6666n,
    notBefore: new Date(t - YEAR),
    notAfter: new Date(t + 10 * YEAR),
    key: make.ec(),
    subjectKeyIdentifier: make.ski(),
  });
  const foreignSigner = issueCertificate({
    subject: simpleName(
      ["C", "NL"],
      ["O", "Kingdom of the Netherlands"],
      ["CN", "Masterlist Signer NL rogue"],
    ),
    serialNumber: 0x6667n,
    notBefore: new Date(t - 30 * DAY),
    notAfter: new Date(t + YEAR),
    key: make.ec(),
    issuer: alCsca,
    subjectKeyIdentifier: make.ski(),
    basicConstraints: "none",
  });
  const foreignList = signMasterList({
    certificates: [foreignListCsca.der, ...nl.cscas.map((c) => c.der)],
    signer: foreignSigner,
    signingTime: make.signingTime,
  });
  const foreignListDsc = leaf(simpleName(["C", "NL"], ["CN", "DS NL rogue"]), 0x1004n, foreignListCsca);
  const dscEntry = (
    kind: "dsc" | "bcsc" | "bcsc-nc",
    country: string,
    d: GeneratedCertificate,
  ): PkdEntry => ({
    kind,
    country,
    subject: d.subject,
    serialNumber: d.serialNumber,
    der: d.der,
  });
  return {
    wrongKeyDsc,
    unknownIssuerDsc,
    barCodeSigner,
    foreignListCsca,
    foreignListDsc,
    ldif: {
      dscsAndBarCodeSigners: writePkdLdif("001", [
        dscEntry("dsc", "AL", goodDsc),
        dscEntry("dsc", "AL", wrongKeyDsc),
        dscEntry("dsc", "ZZ", unknownIssuerDsc),
        dscEntry("bcsc", "AL", barCodeSigner),
        dscEntry("bcsc-nc", "AL", barCodeSigner),
      ]),
      foreignSignedList: writePkdLdif("002", [
        {
          kind: "ml",
          country: "NL",
          signer: foreignSigner.subject,
          serialNumber: foreignSigner.serialNumber,
          der: foreignList,
        },
      ]),
      foreignListDscs: writePkdLdif("001", [dscEntry("dsc", "NL", foreignListDsc)]),
    },
  };
}

/** The revoked entries of a country's CRL: every reason code (and none) on the link-certificate country, an empty CRL on another. */
function revocations(quirk: CscaQuirk | null, random: SeededRandom, t: number): RevocationSpec[] {
  if (quirk === "no-key-identifiers") return [];
  if (quirk === "link-certificate") {
    return [
      ...reasonCodes.map((reasonCode, i) => ({
        serialNumber: BigInt(1000 + i),
        revocationDate: new Date(t - (i + 1) * DAY),
        reasonCode,
      })),
      { serialNumber: -0x4en, revocationDate: new Date("2051-03-04T05:06:07Z") },
    ];
  }
  const count = random.int(1, 3);
  return Array.from({ length: count }, () => {
    const reason = random.int(-1, reasonCodes.length - 1);
    return {
      serialNumber: BigInt(`0x${Buffer.from(random.bytes(random.int(1, 12))).toString("hex")}`),
      revocationDate: new Date(t - random.int(1, 900) * DAY - random.int(0, 86399) * 1000),
      ...(reason < 0 ? {} : { reasonCode: reasonCodes[reason] as number }),
    };
  });
}
