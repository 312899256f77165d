// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API loaded first.
import "reflect-metadata";
import { createHash, X509Certificate as OpenSslCertificate } from "node:crypto";
import { ExtendedKeyUsageExtension, X509Certificate } from "@peculiar/x509";
import { appError, err, ErrorCode, ok, Result, type AppError } from "@certs/result";
import { decodeCtEntryParts, readEntryFields, type CtEntryParts, type DecodedCtEntry } from "../ct-entry.js";
import { rebuildPrecertTbs, subjectPublicKeyInfo } from "./precert-tbs.js";

/** The EKU that marks a Precertificate Signing Certificate (RFC 6962 section 3.1). */
export const PRECERT_SIGNING_EKU = "1.3.6.1.4.1.11129.2.4.4";

/** Which check an entry failed: `decode` (not an RFC 6962 entry at all) or one of the consistency checks. */
export type CtEntryCheck = "decode" | "precert_tbs" | "issuer_key_hash" | "chain_signature";

/** A `get-entries` element that decodes and passes every check. */
export interface VerifiedCtEntry extends DecodedCtEntry {
  /** RFC 6962 leaf hash, SHA-256(0x00 || leaf_input), base64: the entry's identity in its log. */
  readonly leafHash: string;
  /** precert_entry only: whether the pre-certificate was signed by a Precertificate Signing Certificate. */
  readonly precertSigningCertificate: boolean;
}

/**
 * Decodes a `ct_entry` JSON string and checks it as CT monitors do: for a precert, the TBSCertificate in
 * `leaf_input` is the pre-certificate's without the poison extension (issuer and authority key identifier
 * rewritten when a Precertificate Signing Certificate is in the chain) and `issuer_key_hash` is SHA-256 of
 * the issuing certificate's SubjectPublicKeyInfo; for both types each certificate's signature verifies with
 * the public key of the next one in the chain. A failure is an error whose `details.check` names the check.
 */
export function verifyCtEntry(ctEntryJson: string): Result<VerifiedCtEntry, AppError> {
  const fields = readEntryFields(ctEntryJson);
  if (!fields.ok) return failed("decode", fields.error);
  return verifyCtEntryFields(fields.value.leafInput, fields.value.extraData);
}

/** {@link verifyCtEntry} for an element given as its two base64 fields. */
export function verifyCtEntryFields(leafInput: string, extraData: string): Result<VerifiedCtEntry, AppError> {
  const parts = decodeCtEntryParts(leafInput, extraData);
  if (!parts.ok) return failed("decode", parts.error);
  const checked = checkParts(parts.value);
  if (!checked.ok) return checked;
  return ok({
    ...parts.value.decoded,
    leafHash: leafHash(parts.value.leafInput),
    precertSigningCertificate: checked.value,
  });
}

/** RFC 6962 section 2.1 leaf hash of `leaf_input` bytes, base64. */
export function leafHash(leafInput: Uint8Array): string {
  return createHash("sha256")
    .update(new Uint8Array([0]))
    .update(leafInput)
    .digest("base64");
}

/** Runs the consistency checks; returns whether a Precertificate Signing Certificate was used. */
function checkParts(parts: CtEntryParts): Result<boolean, AppError> {
  const { leaf, extra } = parts;
  const signed =
    leaf.entryType === "x509_entry"
      ? { der: leaf.signedData, what: "leaf_input certificate" }
      : { der: extra.preCertificate ?? new Uint8Array(0), what: "extra_data pre_certificate" };
  const signatures = checkChainSignatures([
    signed,
    ...extra.chain.map((der, position) => ({ der, what: `extra_data chain certificate ${position}` })),
  ]);
  if (!signatures.ok) return signatures;
  if (leaf.entryType === "x509_entry") return ok(false);

  const first = extra.chain[0];
  if (first === undefined || extra.preCertificate === null) {
    return failed("issuer_key_hash", "precert entry has no issuing certificate in extra_data's chain.");
  }
  const viaSigner = isPrecertSigningCertificate(first);
  const issuer = viaSigner ? extra.chain[1] : first;
  if (issuer === undefined) {
    return failed(
      "issuer_key_hash",
      "precert entry's chain holds a precertificate signing certificate but not the CA above it.",
    );
  }

  const rebuilt = rebuildPrecertTbs(extra.preCertificate, viaSigner ? first : null);
  if (!rebuilt.ok) return failed("precert_tbs", rebuilt.error);
  const difference = firstDifference(rebuilt.value, leaf.signedData);
  if (difference !== null) {
    return failed(
      "precert_tbs",
      `leaf_input tbs_certificate (${leaf.signedData.length} bytes) is not extra_data's pre-certificate without its poison extension${viaSigner ? ", issuer and authority key identifier rewritten" : ""} (${rebuilt.value.length} bytes): they differ from byte ${difference}.`,
    );
  }

  const spki = subjectPublicKeyInfo(issuer, "the issuing certificate");
  if (!spki.ok) return failed("issuer_key_hash", spki.error);
  const expected = createHash("sha256").update(spki.value).digest("hex");
  const actual = Buffer.from(leaf.issuerKeyHash ?? new Uint8Array(0)).toString("hex");
  if (actual !== expected) {
    const position = viaSigner ? 1 : 0;
    return failed(
      "issuer_key_hash",
      `issuer_key_hash ${actual} is not SHA-256 of the issuing certificate's public key (extra_data chain certificate ${position}: ${expected}).`,
    );
  }
  return ok(viaSigner);
}

/** Each certificate is signed by the next: checked by OpenSSL (node:crypto), signature algorithm included. */
function checkChainSignatures(chain: readonly { der: Uint8Array; what: string }[]): Result<void, AppError> {
  const certificates: OpenSslCertificate[] = [];
  for (const { der, what } of chain) {
    const parsed = Result.tryCatch(
      () => new OpenSslCertificate(der),
      (cause) => appError(ErrorCode.PARSE_ERROR, `${what} cannot be read by OpenSSL: ${reason(cause)}.`),
    );
    if (!parsed.ok) return failed("chain_signature", parsed.error);
    certificates.push(parsed.value);
  }
  for (let i = 0; i + 1 < certificates.length; i += 1) {
    const subject = certificates[i];
    const issuer = certificates[i + 1];
    const names = chain[i]?.what ?? "";
    const issuerName = chain[i + 1]?.what ?? "";
    if (subject === undefined || issuer === undefined) continue;
    const verified = Result.tryCatch(
      () => subject.verify(issuer.publicKey),
      (cause) => appError(ErrorCode.SIGNATURE_ERROR, reason(cause)),
    );
    if (!verified.ok || !verified.value) {
      const why = verified.ok ? "" : ` (${verified.error.message})`;
      return failed(
        "chain_signature",
        `The signature of ${names} (${subject.subject.replace(/\n/g, ", ")}) does not verify with the public key of ${issuerName} (${issuer.subject.replace(/\n/g, ", ")})${why}.`,
        ErrorCode.SIGNATURE_ERROR,
      );
    }
  }
  return ok();
}

function isPrecertSigningCertificate(der: Uint8Array): boolean {
  const usages = Result.tryCatch(
    () => new X509Certificate(toArrayBuffer(der)).getExtension(ExtendedKeyUsageExtension)?.usages ?? [],
    () => appError(ErrorCode.PARSE_ERROR, "unreadable extended key usage"),
  );
  return usages.ok && usages.value.some((usage) => String(usage) === PRECERT_SIGNING_EKU);
}

function firstDifference(a: Uint8Array, b: Uint8Array): number | null {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) if (a[i] !== b[i]) return i;
  return a.length === b.length ? null : length;
}

function failed(
  check: CtEntryCheck,
  problem: string | AppError,
  code: string = ErrorCode.PARSE_ERROR,
): Result<never, AppError> {
  if (typeof problem === "string") return err(appError(code, problem, { details: { check } }));
  return err(
    appError(problem.code, problem.message, {
      details: { ...problem.details, check },
      ...(problem.cause === undefined ? {} : { cause: problem.cause }),
    }),
  );
}

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
