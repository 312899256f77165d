import { appError, err, ErrorCode, ok, Result, type AppError } from "@certs/result";
import {
  summarizeCertificate,
  summarizeTbsCertificate,
  type CertificateSummary,
  type SubjectAltName,
} from "./certificate-summary.js";
import { parseExtraData, type ExtraData } from "./extra-data.js";
import { parseMerkleTreeLeaf, type CtEntryType, type MerkleTreeLeaf } from "./merkle-tree-leaf.js";

/** A `get-entries` element decoded: the log entry and its leaf certificate's identity. */
export interface DecodedCtEntry extends CertificateSummary {
  readonly entryType: CtEntryType;
  /** When the log accepted the entry (the MerkleTreeLeaf timestamp). */
  readonly timestamp: Date;
  /** precert_entry only: hex SHA-256 of the issuer's public key; null for x509_entry. */
  readonly issuerKeyHash: string | null;
  /** Number of certificates in `extra_data`'s chain (not counting a precert's pre-certificate). */
  readonly chainLength: number;
  /** Subjects of the chain certificates, issuer first. */
  readonly chainSubjects: readonly string[];
}

export type { CertificateSummary, CtEntryType, SubjectAltName };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes one `ct_entry` string (`{"leaf_input": "<base64>", "extra_data": "<base64>"}`): the RFC 6962
 * MerkleTreeLeaf, the chain in `extra_data`, and the leaf (x509) or precertificate (precert) fields.
 * Never throws: any defect is a PARSE_ERROR whose message names the broken part.
 */
export function decodeCtEntry(ctEntryJson: string): Result<DecodedCtEntry, AppError> {
  const fields = readEntryFields(ctEntryJson);
  if (!fields.ok) return fields;
  const parts = decodeCtEntryParts(fields.value.leafInput, fields.value.extraData);
  return parts.ok ? ok(parts.value.decoded) : parts;
}

/** A decoded entry with the structures it was read from, for checks that need the raw bytes. */
export interface CtEntryParts {
  readonly decoded: DecodedCtEntry;
  /** `leaf_input` as bytes: the MerkleTreeLeaf whose hash identifies the entry in its log. */
  readonly leafInput: Uint8Array;
  readonly leaf: MerkleTreeLeaf;
  readonly extra: ExtraData;
}

/** Decodes a `get-entries` element given as its two base64 fields. */
export function decodeCtEntryParts(leafInput: string, extraData: string): Result<CtEntryParts, AppError> {
  const leafBytes = decodeBase64(leafInput, "leaf_input");
  if (!leafBytes.ok) return leafBytes;
  const extraBytes = decodeBase64(extraData, "extra_data");
  if (!extraBytes.ok) return extraBytes;

  const leaf = parseMerkleTreeLeaf(leafBytes.value);
  if (!leaf.ok) return leaf;
  const extra = parseExtraData(extraBytes.value, leaf.value.entryType);
  if (!extra.ok) return extra;
  if (leaf.value.timestamp > BigInt(Number.MAX_SAFE_INTEGER)) {
    return err(
      appError(ErrorCode.PARSE_ERROR, `leaf_input timestamp ${leaf.value.timestamp} is out of range.`),
    );
  }

  const summary =
    leaf.value.entryType === "x509_entry"
      ? summarizeCertificate(leaf.value.signedData, "leaf_input certificate")
      : summarizeTbsCertificate(leaf.value.signedData, "leaf_input tbs_certificate");
  if (!summary.ok) return summary;
  if (extra.value.preCertificate !== null) {
    const pre = summarizeCertificate(extra.value.preCertificate, "extra_data pre_certificate");
    if (!pre.ok) return pre;
  }
  const chainSubjects: string[] = [];
  for (const [position, der] of extra.value.chain.entries()) {
    const cert = summarizeCertificate(der, `extra_data chain certificate ${position}`);
    if (!cert.ok) return cert;
    chainSubjects.push(cert.value.subject);
  }

  return ok({
    decoded: {
      ...summary.value,
      entryType: leaf.value.entryType,
      timestamp: new Date(Number(leaf.value.timestamp)),
      issuerKeyHash:
        leaf.value.issuerKeyHash === null ? null : Buffer.from(leaf.value.issuerKeyHash).toString("hex"),
      chainLength: extra.value.chain.length,
      chainSubjects,
    },
    leafInput: leafBytes.value,
    leaf: leaf.value,
    extra: extra.value,
  });
}

/** Reads the two fields of a `ct_entry` JSON string. */
export function readEntryFields(
  ctEntryJson: string,
): Result<{ leafInput: string; extraData: string }, AppError> {
  const parsed = Result.tryCatch(
    (): unknown => JSON.parse(ctEntryJson),
    (cause) => appError(ErrorCode.PARSE_ERROR, "ct_entry is not valid JSON.", { cause }),
  );
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return err(appError(ErrorCode.PARSE_ERROR, "ct_entry is not a JSON object."));
  }
  const record = value as Record<string, unknown>;
  const leafInput = record["leaf_input"];
  const extraData = record["extra_data"];
  if (typeof leafInput !== "string") {
    return err(appError(ErrorCode.PARSE_ERROR, "ct_entry has no leaf_input string."));
  }
  if (typeof extraData !== "string") {
    return err(appError(ErrorCode.PARSE_ERROR, "ct_entry has no extra_data string."));
  }
  return ok({ leafInput, extraData });
}

/** Decodes strict base64 (Buffer.from alone would skip bad characters). */
export function decodeBase64(text: string, field: string): Result<Uint8Array, AppError> {
  // Buffer.from silently skips bad characters, so check the alphabet and padding first.
  if (text.length === 0 || !BASE64.test(text)) {
    return err(appError(ErrorCode.PARSE_ERROR, `ct_entry ${field} is not valid base64.`));
  }
  return ok(new Uint8Array(Buffer.from(text, "base64")));
}
