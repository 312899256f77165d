import { parseExtraData, type ExtraData } from "../extra-data.js";
import { concat, vector } from "./tls-encoding.js";

/** Offset of a precert entry's issuer_key_hash in leaf_input (version, leaf type, timestamp, entry type). */
export const ISSUER_KEY_HASH_OFFSET = 12;
/** Offset of a precert entry's TBSCertificate in leaf_input (after the hash and its 3-byte length). */
export const PRECERT_TBS_OFFSET = ISSUER_KEY_HASH_OFFSET + 32 + 3;

interface EntryFields {
  readonly leaf_input: string;
  readonly extra_data: string;
}

/** The entry with one bit of leaf_input's byte at `offset` flipped. */
export function alterLeafInput(ctEntry: string, offset: number): string {
  const fields = JSON.parse(ctEntry) as EntryFields;
  const leaf = Buffer.from(fields.leaf_input, "base64");
  leaf[offset] = (leaf[offset] ?? 0) ^ 0x01;
  return JSON.stringify({ leaf_input: leaf.toString("base64"), extra_data: fields.extra_data });
}

/** The certificates in an entry's extra_data. */
export function extraDataOf(ctEntry: string): ExtraData {
  const fields = JSON.parse(ctEntry) as EntryFields;
  const type =
    Buffer.from(fields.leaf_input, "base64").readUInt16BE(10) === 0 ? "x509_entry" : "precert_entry";
  const extra = parseExtraData(new Uint8Array(Buffer.from(fields.extra_data, "base64")), type);
  if (!extra.ok) throw new Error(extra.error.message);
  return extra.value;
}

/** The entry with its extra_data made of `preCertificate` (precert entries) and `chain`. */
export function withExtraData(ctEntry: string, extra: ExtraData): string {
  const fields = JSON.parse(ctEntry) as EntryFields;
  const chain = vector(concat(extra.chain.map((der) => vector(der, 3))), 3);
  const bytes = extra.preCertificate === null ? chain : concat([vector(extra.preCertificate, 3), chain]);
  return JSON.stringify({ leaf_input: fields.leaf_input, extra_data: Buffer.from(bytes).toString("base64") });
}

/** The entry with the chain of `other` in place of its own (a precert keeps its own pre-certificate). */
export function withChainOf(ctEntry: string, other: string): string {
  return withExtraData(ctEntry, { ...extraDataOf(ctEntry), chain: extraDataOf(other).chain });
}
