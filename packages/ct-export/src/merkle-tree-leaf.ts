import { err, ok, type AppError, type Result } from "@certs/result";
import { TlsReader } from "./tls-reader.js";

/** RFC 6962 LogEntryType: a final certificate or a precertificate. */
export type CtEntryType = "x509_entry" | "precert_entry";

/** The parts of an RFC 6962 `MerkleTreeLeaf` (version v1, leaf type timestamped_entry). */
export interface MerkleTreeLeaf {
  readonly entryType: CtEntryType;
  /** Milliseconds since the epoch at which the log accepted the entry. */
  readonly timestamp: bigint;
  /** x509_entry: the DER certificate; precert_entry: the DER TBSCertificate. */
  readonly signedData: Uint8Array;
  /** precert_entry only: SHA-256 of the issuer's SubjectPublicKeyInfo. */
  readonly issuerKeyHash: Uint8Array | null;
  readonly extensions: Uint8Array;
}

const ISSUER_KEY_HASH_LENGTH = 32;

/** Decodes `leaf_input`: rejects other versions, leaf types, entry types and trailing bytes. */
export function parseMerkleTreeLeaf(bytes: Uint8Array): Result<MerkleTreeLeaf, AppError> {
  const reader = new TlsReader(bytes, "leaf_input");
  const version = reader.uint(1, "version");
  if (!version.ok) return version;
  if (version.value !== 0) return err(reader.problem(`version is ${version.value}, only v1 (0) is known`));
  const leafType = reader.uint(1, "leaf_type");
  if (!leafType.ok) return leafType;
  if (leafType.value !== 0) {
    return err(reader.problem(`leaf_type is ${leafType.value}, only timestamped_entry (0) is known`));
  }
  const timestamp = reader.uint64("timestamp");
  if (!timestamp.ok) return timestamp;
  const entryType = reader.uint(2, "entry_type");
  if (!entryType.ok) return entryType;

  let signedData: Result<Uint8Array, AppError>;
  let issuerKeyHash: Uint8Array | null = null;
  if (entryType.value === 0) {
    signedData = reader.vector(3, "x509_entry certificate", 1);
  } else if (entryType.value === 1) {
    const hash = reader.take(ISSUER_KEY_HASH_LENGTH, "issuer_key_hash");
    if (!hash.ok) return hash;
    issuerKeyHash = hash.value;
    signedData = reader.vector(3, "precert_entry tbs_certificate", 1);
  } else {
    return err(reader.problem(`entry_type is ${entryType.value}, expected 0 (x509) or 1 (precert)`));
  }
  if (!signedData.ok) return signedData;
  const extensions = reader.vector(2, "extensions");
  if (!extensions.ok) return extensions;
  const end = reader.end();
  if (!end.ok) return end;

  return ok({
    entryType: entryType.value === 0 ? "x509_entry" : "precert_entry",
    timestamp: timestamp.value,
    signedData: signedData.value,
    issuerKeyHash,
    extensions: extensions.value,
  });
}
