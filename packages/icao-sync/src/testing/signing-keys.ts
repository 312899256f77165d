import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from "node:crypto";
import { derNull, explicit, integer, oid, sequence } from "./der-writer.js";

/**
 * Key types real master lists use. The brainpool curves are signed with node:crypto because WebCrypto has
 * none; `-explicit` keys carry their curve as explicit domain parameters in the certificate, as about one in
 * five real CSCAs do.
 */
export type KeyAlgorithm =
  | "rsa-pkcs1"
  | "rsa-pss"
  | "ecdsa-p256"
  | "ecdsa-brainpool-p256-explicit"
  | "ecdsa-brainpool-p384"
  | "ecdsa-brainpool-p512-explicit";

/** Every key algorithm, for tests that cover them all. */
export const keyAlgorithms: readonly KeyAlgorithm[] = [
  "rsa-pkcs1",
  "rsa-pss",
  "ecdsa-p256",
  "ecdsa-brainpool-p256-explicit",
  "ecdsa-brainpool-p384",
  "ecdsa-brainpool-p512-explicit",
];

/** A key pair with the AlgorithmIdentifier its signatures carry. */
export interface SigningKey {
  readonly algorithm: KeyAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo DER (explicit EC parameters for the `-explicit` algorithms). */
  readonly spki: Uint8Array;
  /** The signature AlgorithmIdentifier DER for certificates, CRLs and CMS. */
  readonly signatureAlgorithm: Uint8Array;
  /** The hash the signature uses, as node:crypto names it. */
  readonly hash: "sha256" | "sha384" | "sha512";
  /** Signs `data` with this key. */
  sign(data: Uint8Array): Uint8Array;
}

const PSS_SALT = 32;

function pssAlgorithm(): Uint8Array {
  const sha256 = sequence(oid("2.16.840.1.101.3.4.2.1"), derNull());
  return sequence(
    oid("1.2.840.113549.1.1.10"),
    sequence(
      explicit(0, sha256),
      explicit(1, sequence(oid("1.2.840.113549.1.1.8"), sha256)),
      explicit(2, integer(BigInt(PSS_SALT))),
    ),
  );
}

/** Generates a fresh key pair (keys are random; everything built from them is still seed-determined). */
export function generateSigningKey(
  algorithm: KeyAlgorithm,
  options: { rsaModulusLength?: number } = {},
): SigningKey {
  const modulusLength = options.rsaModulusLength ?? 2048;
  switch (algorithm) {
    case "rsa-pkcs1":
    case "rsa-pss": {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength });
      const pss = algorithm === "rsa-pss";
      return {
        algorithm,
        privateKey,
        publicKey,
        spki: publicKey.export({ type: "spki", format: "der" }),
        signatureAlgorithm: pss ? pssAlgorithm() : sequence(oid("1.2.840.113549.1.1.11"), derNull()),
        hash: "sha256",
        sign: (data) =>
          sign("sha256", data, {
            key: privateKey,
            padding: pss ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
            ...(pss ? { saltLength: PSS_SALT } : {}),
          }),
      };
    }
    default: {
      const curve = {
        "ecdsa-p256": { name: "prime256v1", hash: "sha256", explicit: false, sig: "1.2.840.10045.4.3.2" },
        "ecdsa-brainpool-p256-explicit": {
          name: "brainpoolP256r1",
          hash: "sha256",
          explicit: true,
          sig: "1.2.840.10045.4.3.2",
        },
        "ecdsa-brainpool-p384": {
          name: "brainpoolP384r1",
          hash: "sha384",
          explicit: false,
          sig: "1.2.840.10045.4.3.3",
        },
        "ecdsa-brainpool-p512-explicit": {
          name: "brainpoolP512r1",
          hash: "sha512",
          explicit: true,
          sig: "1.2.840.10045.4.3.4",
        },
      }[algorithm];
      const pair = generateKeyPairSync("ec", {
        namedCurve: curve.name,
        paramEncoding: curve.explicit ? "explicit" : "named",
        publicKeyEncoding: { type: "spki", format: "der" },
        privateKeyEncoding: { type: "pkcs8", format: "der" },
      });
      const privateKey = createPrivateKey({ key: pair.privateKey, format: "der", type: "pkcs8" });
      const hash = curve.hash as SigningKey["hash"];
      return {
        algorithm,
        privateKey,
        publicKey: createPublicKey({ key: pair.publicKey, format: "der", type: "spki" }),
        spki: pair.publicKey,
        signatureAlgorithm: sequence(oid(curve.sig)),
        hash,
        sign: (data) => sign(hash, data, { key: privateKey, dsaEncoding: "der" }),
      };
    }
  }
}
