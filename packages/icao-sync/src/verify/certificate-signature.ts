import { DerReader, Tag } from "../parse/der.js";
import { MalformedInputError } from "../parse/malformed-input.js";
import { type AlgorithmIdentifier, readAlgorithmIdentifier } from "../parse/signed-data.js";

/** What a certificate's issuer signed, and the signature, as slices of the certificate's DER. */
export interface CertificateSignature {
  /** The DER of tbsCertificate: what the signature covers. */
  readonly signedBytes: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** The signature value (the BIT STRING's content without its unused-bits octet). */
  readonly signature: Uint8Array;
}

// Only the outer SEQUENCE, tbsCertificate, the AlgorithmIdentifier and the BIT STRING are walked.
const LIMITS = { maxDepth: 8, maxNodes: 64 };

/**
 * Reads the three parts of `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`
 * without parsing the tbsCertificate again, so checking a DSC costs one signature verification and not a
 * second certificate parse. Throws MalformedInputError when the DER is not shaped like a certificate.
 */
export function readCertificateSignature(der: Uint8Array): CertificateSignature {
  const reader = new DerReader(der, LIMITS);
  const root = reader.readWhole(0, der.length, 0, "certificate");
  const [tbs, algorithm, bits, extra] = reader.children(reader.expect(root, Tag.SEQUENCE, "certificate"));
  if (extra !== undefined) throw new MalformedInputError("the certificate has more than three parts");
  const signedBytes = reader.encoded(reader.expect(tbs, Tag.SEQUENCE, "tbsCertificate"));
  const signatureAlgorithm = readAlgorithmIdentifier(reader, algorithm, "certificate signatureAlgorithm");
  const signatureBits = reader.value(reader.expect(bits, Tag.BIT_STRING, "certificate signature"));
  if (signatureBits[0] !== 0)
    throw new MalformedInputError("the certificate signature is not a whole number of bytes");
  return { signedBytes, signatureAlgorithm, signature: signatureBits.subarray(1) };
}
