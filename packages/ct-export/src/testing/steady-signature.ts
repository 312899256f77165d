import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import type { X509Certificate } from "@peculiar/x509";

/** The DER length held for every generated ECDSA P-256 signature: the most common of its 70 to 72 bytes. */
export const ECDSA_SIGNATURE_BYTES = 71;
const MAX_ATTEMPTS = 64;

/**
 * Runs `create` (which signs a certificate) again until an ECDSA signature has {@link ECDSA_SIGNATURE_BYTES}:
 * ECDSA signs with a random nonce, so r and s vary in length, and with them the size of every generated entry.
 * RSA PKCS#1 v1.5 signatures always have the modulus' length, so an RSA signer signs once.
 */
export async function createWithSteadySignature(
  algorithm: { readonly name: string },
  create: () => Promise<X509Certificate>,
): Promise<X509Certificate> {
  for (let attempt = 1; ; attempt += 1) {
    const certificate = await create();
    if (algorithm.name !== "ECDSA" || signatureBytes(certificate) === ECDSA_SIGNATURE_BYTES)
      return certificate;
    // About one signature in two has the held length; 64 misses in a row mean the signer is not P-256.
    if (attempt === MAX_ATTEMPTS) {
      throw new Error(`no ${ECDSA_SIGNATURE_BYTES}-byte ECDSA signature in ${MAX_ATTEMPTS} attempts`);
    }
  }
}

function signatureBytes(certificate: X509Certificate): number {
  return AsnConvert.parse(certificate.rawData, Certificate).signatureValue.byteLength;
}
