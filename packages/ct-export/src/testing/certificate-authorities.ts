// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API loaded first.
import "reflect-metadata";
import { createHash, webcrypto } from "node:crypto";
import {
  AuthorityInfoAccessExtension,
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CertificatePolicyExtension,
  CRLDistributionPointsExtension,
  ExtendedKeyUsageExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  type X509Certificate,
} from "@peculiar/x509";
import { createWithSteadySignature } from "./steady-signature.js";

/** A CA that signs generated leaves, with the chain a log would return in `extra_data`. */
export interface IssuingAuthority {
  /** Distinguished name of the issuing (intermediate) CA. */
  readonly name: string;
  readonly certificate: X509Certificate;
  readonly signingKey: webcrypto.CryptoKey;
  readonly signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams;
  /** DER certificates from the issuing CA up to (and including) the root. */
  readonly chain: readonly Uint8Array[];
  /** SHA-256 of the issuing CA's SubjectPublicKeyInfo: a precert entry's issuer_key_hash. */
  readonly keyHash: Uint8Array;
  /** Where its leaves point for OCSP, the issuer's certificate and the CRL (AIA and CRL DP extensions). */
  readonly urls: AuthorityUrls;
  /** Its Precertificate Signing Certificate (RFC 6962 3.1), which may sign pre-certificates in its name. */
  readonly precertSigner: PrecertSigner;
}

/** A certificate with the CT precertificate-signing EKU, issued by an {@link IssuingAuthority}. */
export interface PrecertSigner {
  readonly certificate: X509Certificate;
  readonly signingKey: webcrypto.CryptoKey;
}

/** The EKU of a Precertificate Signing Certificate. */
export const PRECERT_SIGNING_USAGE = "1.3.6.1.4.1.11129.2.4.4";

/** The URLs a CA publishes, which real leaves and intermediates carry in their extensions. */
export interface AuthorityUrls {
  readonly ocsp: string;
  readonly caIssuers: string;
  readonly crl: string;
}

/** Keys and CAs shared by every generated entry of a process. */
export interface KeyMaterial {
  readonly authorities: readonly IssuingAuthority[];
  /** Subject key pairs handed out to leaves (RSA and ECDSA, as real logs hold both). */
  readonly leafKeys: readonly webcrypto.CryptoKeyPair[];
}

const RSA: webcrypto.RsaHashedKeyGenParams = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};
/** Roots in the web PKI are mostly RSA 4096 (ISRG Root X1, USERTrust RSA, ...); their size is part of every chain. */
const RSA_ROOT: webcrypto.RsaHashedKeyGenParams = { ...RSA, modulusLength: 4096 };
/** anyPolicy, as intermediates of the web PKI assert it. */
const ANY_POLICY = "2.5.29.32.0";
const EC: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = {
  name: "ECDSA",
  namedCurve: "P-256",
  hash: "SHA-256",
};
const CA_NOT_BEFORE = new Date("2020-06-01T00:00:00Z");
const CA_NOT_AFTER = new Date("2040-06-01T00:00:00Z");

let pool: Promise<KeyMaterial> | undefined;

/**
 * The process-wide CA pool, created on first use. Key generation is slow (RSA especially), so keys are made
 * once and reused; names, serials and dates of the CAs are fixed, only key material differs between processes,
 * and not in size: keys of one type have one length and ECDSA signatures are held to one length.
 */
export function keyMaterial(): Promise<KeyMaterial> {
  pool ??= createKeyMaterial();
  return pool;
}

async function createKeyMaterial(): Promise<KeyMaterial> {
  const [rsaA, rsaB, rsaC, ecA, ecB, ecC] = await Promise.all([
    generate(RSA_ROOT),
    generate(RSA),
    generate(RSA),
    generate(EC),
    generate(EC),
    generate(EC),
  ]);

  const rsaRoot = await selfSigned(
    "C=JP, O=Certs Synthetic Trust, CN=Certs Synthetic Root R1",
    "01",
    rsaA,
    RSA_ROOT,
  );
  const rsaIssuer = await intermediate(
    "C=JP, O=Certs Synthetic Trust, CN=Certs Synthetic TLS RSA CA 2025",
    "1001",
    rsaB,
    RSA,
    rsaRoot,
    0,
  );
  const ecRoot = await selfSigned("C=US, O=Example Synthetic PKI, CN=Synthetic Root E1", "02", ecA, EC);
  const ecIssuer = await intermediate(
    "C=US, O=Example Synthetic PKI, CN=Synthetic ECC DV CA E5",
    "2001",
    ecB,
    EC,
    ecRoot,
    0,
  );
  // A three-certificate chain (issuing CA, cross-signed intermediate, root), as some real entries carry.
  const cross = await intermediate(
    "C=JP, O=Certs Synthetic Trust, CN=Certs Synthetic Cross CA X2",
    "3001",
    rsaC,
    RSA,
    rsaRoot,
    1,
  );
  const crossIssuer = await intermediate(
    "C=JP, O=Certs Synthetic Trust, CN=Certs Synthetic OV ECC CA 2026",
    "3002",
    ecC,
    EC,
    cross,
    0,
  );

  // Each signer holds a key of its CA's type (the pre-certificate is signed with the CA's algorithm), not the CA's own.
  const [rsaSigner, ecSigner, crossSigner] = await Promise.all([
    precertSigner("CN=Certs Synthetic TLS RSA CA 2025 Precertificate Signing", "1101", rsaC, rsaIssuer),
    precertSigner("CN=Synthetic ECC DV CA E5 Precertificate Signing", "2101", ecC, ecIssuer),
    precertSigner("CN=Certs Synthetic OV ECC CA 2026 Precertificate Signing", "3102", ecA, crossIssuer),
  ]);

  return {
    authorities: [
      authority(rsaIssuer, [rsaRoot], publishedAt("pki.certs-synthetic.example", "tls-rsa-2025"), rsaSigner),
      authority(ecIssuer, [ecRoot], publishedAt("pki.example-synthetic.example", "ecc-dv-e5"), ecSigner),
      authority(
        crossIssuer,
        [cross, rsaRoot],
        publishedAt("pki.certs-synthetic.example", "ov-ecc-2026"),
        crossSigner,
      ),
    ],
    leafKeys: [rsaA, ecA, rsaC, ecB],
  };
}

interface Signed {
  readonly certificate: X509Certificate;
  readonly keys: webcrypto.CryptoKeyPair;
  readonly algorithm: webcrypto.Algorithm | webcrypto.EcdsaParams;
}

function publishedAt(host: string, slug: string): AuthorityUrls {
  return {
    ocsp: `http://ocsp.${host}/${slug}`,
    caIssuers: `http://crt.${host}/${slug}.der`,
    crl: `http://crl.${host}/${slug}.crl`,
  };
}

function authority(
  issuer: Signed,
  above: readonly Signed[],
  urls: AuthorityUrls,
  signer: PrecertSigner,
): IssuingAuthority {
  return {
    urls,
    precertSigner: signer,
    name: issuer.certificate.subject,
    certificate: issuer.certificate,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: issuer.algorithm,
    chain: [issuer, ...above].map((s) => new Uint8Array(s.certificate.rawData)),
    keyHash: new Uint8Array(
      createHash("sha256").update(new Uint8Array(issuer.certificate.publicKey.rawData)).digest(),
    ),
  };
}

async function generate(
  algorithm: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams,
): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
}

async function selfSigned(
  name: string,
  serialNumber: string,
  keys: webcrypto.CryptoKeyPair,
  algorithm: webcrypto.Algorithm | webcrypto.EcdsaParams,
): Promise<Signed> {
  const extensions = [
    new BasicConstraintsExtension(true, undefined, true),
    new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
    await SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const certificate = await createWithSteadySignature(algorithm, () =>
    X509CertificateGenerator.createSelfSigned({
      name,
      serialNumber,
      keys,
      notBefore: CA_NOT_BEFORE,
      notAfter: CA_NOT_AFTER,
      signingAlgorithm: algorithm,
      extensions,
    }),
  );
  return { certificate, keys, algorithm };
}

async function intermediate(
  name: string,
  serialNumber: string,
  keys: webcrypto.CryptoKeyPair,
  algorithm: webcrypto.Algorithm | webcrypto.EcdsaParams,
  parent: Signed,
  pathLength: number,
): Promise<Signed> {
  const parentUrls = publishedAt("synthetic-roots.example", parent.certificate.serialNumber);
  const extensions = [
    new BasicConstraintsExtension(true, pathLength, true),
    new KeyUsagesExtension(
      KeyUsageFlags.digitalSignature | KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign,
      true,
    ),
    await SubjectKeyIdentifierExtension.create(keys.publicKey),
    await AuthorityKeyIdentifierExtension.create(parent.keys.publicKey),
    // What a real intermediate carries besides: where its issuer's certificate and CRL are, and its policy.
    new AuthorityInfoAccessExtension({ caIssuers: parentUrls.caIssuers }),
    new CRLDistributionPointsExtension([parentUrls.crl]),
    new CertificatePolicyExtension([ANY_POLICY]),
  ];
  const certificate = await issueCaCertificate(name, serialNumber, keys, parent, extensions);
  return { certificate, keys, algorithm };
}

async function precertSigner(
  name: string,
  serialNumber: string,
  keys: webcrypto.CryptoKeyPair,
  parent: Signed,
): Promise<PrecertSigner> {
  const extensions = [
    new BasicConstraintsExtension(true, 0, true),
    new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyCertSign, true),
    new ExtendedKeyUsageExtension([PRECERT_SIGNING_USAGE]),
    await SubjectKeyIdentifierExtension.create(keys.publicKey),
    await AuthorityKeyIdentifierExtension.create(parent.keys.publicKey),
  ];
  const certificate = await issueCaCertificate(name, serialNumber, keys, parent, extensions);
  return { certificate, signingKey: keys.privateKey };
}

/** A CA certificate for `keys` signed by `parent`, valid for the CA period, its signature of steady length. */
function issueCaCertificate(
  name: string,
  serialNumber: string,
  keys: webcrypto.CryptoKeyPair,
  parent: Signed,
  extensions: Extension[],
): Promise<X509Certificate> {
  return createWithSteadySignature(parent.algorithm, () =>
    X509CertificateGenerator.create({
      subject: name,
      issuer: parent.certificate.subjectName,
      serialNumber,
      publicKey: keys.publicKey,
      signingKey: parent.keys.privateKey,
      signingAlgorithm: parent.algorithm,
      notBefore: CA_NOT_BEFORE,
      notAfter: CA_NOT_AFTER,
      extensions,
    }),
  );
}
