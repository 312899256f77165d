import { err, ok, type AppError, type Result } from "@certs/result";
import type { CtEntryType } from "./merkle-tree-leaf.js";
import { TlsReader } from "./tls-reader.js";

/** The certificates carried in a `get-entries` element's `extra_data`. */
export interface ExtraData {
  /** precert_entry only: the DER pre-certificate the log was sent (with the poison extension). */
  readonly preCertificate: Uint8Array | null;
  /** DER certificates from the issuer of the leaf towards a root. */
  readonly chain: readonly Uint8Array[];
}

/**
 * Decodes `extra_data` for the given entry type: x509 holds `ASN.1Cert certificate_chain<0..2^24-1>`,
 * precert holds a `PrecertChainEntry` (the pre-certificate, then the chain). No trailing bytes allowed.
 */
export function parseExtraData(bytes: Uint8Array, entryType: CtEntryType): Result<ExtraData, AppError> {
  const reader = new TlsReader(bytes, "extra_data");
  let preCertificate: Uint8Array | null = null;
  if (entryType === "precert_entry") {
    const pre = reader.vector(3, "pre_certificate", 1);
    if (!pre.ok) return pre;
    preCertificate = pre.value;
  }
  const chainBytes = reader.vector(3, "certificate_chain");
  if (!chainBytes.ok) return chainBytes;
  const end = reader.end();
  if (!end.ok) return end;

  const chainReader = new TlsReader(chainBytes.value, "extra_data certificate_chain");
  const chain: Uint8Array[] = [];
  while (chainReader.remaining > 0) {
    const cert = chainReader.vector(3, `chain certificate ${chain.length}`, 1);
    if (!cert.ok) return err(cert.error);
    chain.push(cert.value);
  }
  return ok({ preCertificate, chain });
}
