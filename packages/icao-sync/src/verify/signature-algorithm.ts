import { constants, type KeyObject, verify } from "node:crypto";
import { type DerNode, DerReader, Tag } from "../parse/der.js";
import { MalformedInputError } from "../parse/malformed-input.js";
import type { AlgorithmIdentifier } from "../parse/signed-data.js";

/** A hash function node:crypto knows by this name. */
export type HashName = "sha1" | "sha224" | "sha256" | "sha384" | "sha512";

/** How to check one signature with node:crypto. */
export type SignatureScheme =
  | { readonly kind: "rsa-pkcs1"; readonly hash: HashName; readonly name: string }
  | { readonly kind: "rsa-pss"; readonly hash: HashName; readonly saltLength: number; readonly name: string }
  | {
      readonly kind: "ecdsa";
      readonly hash: HashName;
      readonly encoding: "der" | "ieee-p1363";
      readonly name: string;
    };

/** Thrown for an algorithm this package cannot verify; reported as a SIGNATURE_ERROR. */
export class UnsupportedAlgorithmError extends Error {
  override readonly name = "UnsupportedAlgorithmError";
}

const digests: ReadonlyMap<string, HashName> = new Map([
  ["1.3.14.3.2.26", "sha1"],
  ["2.16.840.1.101.3.4.2.4", "sha224"],
  ["2.16.840.1.101.3.4.2.1", "sha256"],
  ["2.16.840.1.101.3.4.2.2", "sha384"],
  ["2.16.840.1.101.3.4.2.3", "sha512"],
]);

const RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
const RSASSA_PSS = "1.2.840.113549.1.1.10";
const MGF1 = "1.2.840.113549.1.1.8";
const EC_PUBLIC_KEY = "1.2.840.10045.2.1";

const rsaPkcs1: ReadonlyMap<string, HashName> = new Map([
  ["1.2.840.113549.1.1.5", "sha1"],
  ["1.2.840.113549.1.1.14", "sha224"],
  ["1.2.840.113549.1.1.11", "sha256"],
  ["1.2.840.113549.1.1.12", "sha384"],
  ["1.2.840.113549.1.1.13", "sha512"],
]);

const ecdsaDer: ReadonlyMap<string, HashName> = new Map([
  ["1.2.840.10045.4.1", "sha1"],
  ["1.2.840.10045.4.3.1", "sha224"],
  ["1.2.840.10045.4.3.2", "sha256"],
  ["1.2.840.10045.4.3.3", "sha384"],
  ["1.2.840.10045.4.3.4", "sha512"],
]);

// BSI TR-03111 ecdsa-plain-SHA*: r || s instead of a DER SEQUENCE, used by some German documents.
const ecdsaPlain: ReadonlyMap<string, HashName> = new Map([
  ["0.4.0.127.0.7.1.1.4.1.1", "sha1"],
  ["0.4.0.127.0.7.1.1.4.1.2", "sha224"],
  ["0.4.0.127.0.7.1.1.4.1.3", "sha256"],
  ["0.4.0.127.0.7.1.1.4.1.4", "sha384"],
  ["0.4.0.127.0.7.1.1.4.1.5", "sha512"],
]);

/** The node:crypto name of a digest AlgorithmIdentifier. */
export function digestName(algorithm: AlgorithmIdentifier): HashName {
  const hash = digests.get(algorithm.oid);
  if (hash === undefined)
    throw new UnsupportedAlgorithmError(`digest algorithm ${algorithm.oid} is not supported`);
  return hash;
}

/**
 * Works out the scheme of a CMS signature. CMS writers put either a combined OID (sha256WithRSAEncryption,
 * ecdsa-with-SHA256, RSASSA-PSS) or the bare key type (rsaEncryption, id-ecPublicKey) in signatureAlgorithm;
 * in the latter case the SignerInfo's digestAlgorithm names the hash.
 */
export function resolveSignatureScheme(
  signatureAlgorithm: AlgorithmIdentifier,
  digestAlgorithm: AlgorithmIdentifier,
): SignatureScheme {
  const oid = signatureAlgorithm.oid;
  const pkcs1 = rsaPkcs1.get(oid);
  if (pkcs1 !== undefined) return { kind: "rsa-pkcs1", hash: pkcs1, name: `RSA PKCS#1 v1.5 with ${pkcs1}` };
  if (oid === RSA_ENCRYPTION) {
    const hash = digestName(digestAlgorithm);
    return { kind: "rsa-pkcs1", hash, name: `RSA PKCS#1 v1.5 with ${hash}` };
  }
  if (oid === RSASSA_PSS) return readPssParameters(signatureAlgorithm.parameters);
  const der = ecdsaDer.get(oid);
  if (der !== undefined) return { kind: "ecdsa", hash: der, encoding: "der", name: `ECDSA with ${der}` };
  if (oid === EC_PUBLIC_KEY) {
    const hash = digestName(digestAlgorithm);
    return { kind: "ecdsa", hash, encoding: "der", name: `ECDSA with ${hash}` };
  }
  const plain = ecdsaPlain.get(oid);
  if (plain !== undefined) {
    return { kind: "ecdsa", hash: plain, encoding: "ieee-p1363", name: `ECDSA (plain) with ${plain}` };
  }
  throw new UnsupportedAlgorithmError(`signature algorithm ${oid} is not supported`);
}

/**
 * RSASSA-PSS-params (RFC 4055): hashAlgorithm [0] default SHA-1, maskGenAlgorithm [1] default MGF1 with SHA-1,
 * saltLength [2] default 20, trailerField [3] must be 1. node:crypto applies MGF1 with the signature hash, so
 * a different MGF1 hash is refused rather than verified wrongly.
 */
function readPssParameters(parameters: Uint8Array | null): SignatureScheme {
  let hash: HashName = "sha1";
  let mgfHash: HashName = "sha1";
  let saltLength = 20;
  if (parameters !== null && !(parameters.length === 2 && parameters[0] === Tag.NULL)) {
    const reader = new DerReader(parameters, { maxDepth: 8, maxNodes: 64 });
    const root = reader.readWhole(0, parameters.length, 0, "RSASSA-PSS parameters");
    for (const field of reader.children(reader.expect(root, Tag.SEQUENCE, "RSASSA-PSS parameters"))) {
      const [inner] = reader.children(field);
      if (inner === undefined) throw new MalformedInputError("RSASSA-PSS parameters are malformed");
      if (field.tag === Tag.CONTEXT_0) {
        hash = digestName(readAlgorithm(reader, inner));
      } else if (field.tag === Tag.CONTEXT_1) {
        const [mgfOid, mgfParams] = reader.children(reader.expect(inner, Tag.SEQUENCE, "maskGenAlgorithm"));
        if (reader.oid(reader.expect(mgfOid, Tag.OID, "maskGenAlgorithm"), "maskGenAlgorithm") !== MGF1) {
          throw new UnsupportedAlgorithmError("RSASSA-PSS with a mask generation function other than MGF1");
        }
        if (mgfParams === undefined) throw new MalformedInputError("MGF1 parameters are missing");
        mgfHash = digestName(readAlgorithm(reader, mgfParams));
      } else if (field.tag === Tag.CONTEXT_2) {
        saltLength = reader.smallInteger(inner, "RSASSA-PSS saltLength");
      } else if (field.tag === Tag.CONTEXT_3) {
        if (reader.smallInteger(inner, "RSASSA-PSS trailerField") !== 1) {
          throw new UnsupportedAlgorithmError("RSASSA-PSS trailerField other than 1");
        }
      } else {
        throw new MalformedInputError("RSASSA-PSS parameters have an unknown field");
      }
    }
  }
  if (mgfHash !== hash) {
    throw new UnsupportedAlgorithmError(`RSASSA-PSS with hash ${hash} but MGF1 with ${mgfHash}`);
  }
  return { kind: "rsa-pss", hash, saltLength, name: `RSASSA-PSS with ${hash}, salt ${saltLength}` };
}

function readAlgorithm(reader: DerReader, node: DerNode): AlgorithmIdentifier {
  const [oidNode, params] = reader.children(reader.expect(node, Tag.SEQUENCE, "AlgorithmIdentifier"));
  const oid = reader.oid(reader.expect(oidNode, Tag.OID, "AlgorithmIdentifier"), "AlgorithmIdentifier");
  return { oid, parameters: params === undefined ? null : reader.encoded(params) };
}

/** Checks a signature with node:crypto, which (unlike WebCrypto) knows the brainpool curves. */
export function verifySignature(
  scheme: SignatureScheme,
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const keyType = key.asymmetricKeyType;
  switch (scheme.kind) {
    case "rsa-pkcs1":
      if (keyType !== "rsa") return false;
      return verify(scheme.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    case "rsa-pss":
      if (keyType !== "rsa" && keyType !== "rsa-pss") return false;
      return verify(
        scheme.hash,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength },
        signature,
      );
    case "ecdsa":
      if (keyType !== "ec") return false;
      return verify(scheme.hash, data, { key, dsaEncoding: scheme.encoding }, signature);
  }
}
