import { createPublicKey, type KeyObject } from "node:crypto";
import { type SignatureScheme, verifySignature } from "./signature-algorithm.js";
import type { SignatureTask } from "./trusted-cscas.js";

/**
 * Signature checks as one worker thread receives them: every signed byte string, signature and candidate
 * public key (SPKI DER) packed into one buffer that is transferred, not copied, and offsets into it.
 */
export interface SignatureBatch {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly schemes: readonly SignatureScheme[];
  /** Per distinct key: start and end of its SPKI in `bytes`. */
  readonly keys: Int32Array;
  /** Per task, `TASK_FIELDS` numbers: data start, data end, signature start, signature end, scheme, first candidate, candidates. */
  readonly tasks: Int32Array;
  /** Key indexes of every task's candidates, back to back. */
  readonly candidates: Int32Array;
}

/** What a worker says: that it is ready, or per task the index of the candidate that verified it (-1: none). */
export type SignatureBatchReply =
  | { readonly ready: true }
  | { readonly id: number; readonly verifiedBy: Int16Array }
  | { readonly id: number; readonly error: string };

const TASK_FIELDS = 7;

/** Packs `tasks` for a worker; `spki` gives a candidate key's SubjectPublicKeyInfo DER. */
export function packSignatureBatch(
  id: number,
  tasks: readonly SignatureTask[],
  spki: (key: KeyObject) => Uint8Array,
): SignatureBatch {
  const schemes: SignatureScheme[] = [];
  const schemeIndex = new Map<string, number>();
  const keyIndex = new Map<KeyObject, number>();
  const keyBytes: Uint8Array[] = [];
  let size = 0;
  let candidateCount = 0;
  for (const task of tasks) {
    size += task.signedBytes.byteLength + task.signature.byteLength;
    candidateCount += task.candidates.length;
    for (const candidate of task.candidates) {
      if (keyIndex.has(candidate.publicKey)) continue;
      const der = spki(candidate.publicKey);
      keyIndex.set(candidate.publicKey, keyBytes.length);
      keyBytes.push(der);
      size += der.byteLength;
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  // Typed arrays, transferred with `bytes`: a structured clone of plain arrays costs per element.
  const keys = new Int32Array(keyBytes.length * 2);
  const fields = new Int32Array(tasks.length * TASK_FIELDS);
  const candidates = new Int32Array(candidateCount);
  let field = 0;
  const put = (part: Uint8Array, into: Int32Array, index: number): void => {
    bytes.set(part, at);
    into[index] = at;
    at += part.byteLength;
    into[index + 1] = at;
  };
  for (const [k, der] of keyBytes.entries()) put(der, keys, 2 * k);
  let candidate = 0;
  for (const task of tasks) {
    // A scheme's name spells out all of it (kind, hash, salt length, encoding).
    let scheme = schemeIndex.get(task.scheme.name);
    if (scheme === undefined) {
      scheme = schemes.length;
      schemeIndex.set(task.scheme.name, scheme);
      schemes.push(task.scheme);
    }
    put(task.signedBytes, fields, field);
    put(task.signature, fields, field + 2);
    fields[field + 4] = scheme;
    fields[field + 5] = candidate;
    fields[field + 6] = task.candidates.length;
    field += TASK_FIELDS;
    for (const c of task.candidates) candidates[candidate++] = keyIndex.get(c.publicKey) as number;
  }
  return { id, bytes, schemes, keys, tasks: fields, candidates };
}

/** The buffers of a batch that are moved to the worker, not copied. */
export function transferredBuffers(batch: SignatureBatch): ArrayBuffer[] {
  return [batch.bytes, batch.keys, batch.tasks, batch.candidates].map((a) => a.buffer as ArrayBuffer);
}

/** Keys a worker has loaded, by SPKI: the same few CSCAs sign most of a PKD. */
export type KeyCache = Map<string, KeyObject | null>;

const MAX_CACHED_KEYS = 4096;

function loadKey(cache: KeyCache, der: Uint8Array): KeyObject | null {
  const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("latin1");
  let key = cache.get(id);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" });
    } catch {
      key = null;
    }
    if (cache.size >= MAX_CACHED_KEYS) cache.clear();
    cache.set(id, key);
  }
  return key;
}

/** Checks every task of a batch, as `checkSignatureTask` does in the calling thread. */
export function checkSignatureBatch(batch: SignatureBatch, cache: KeyCache): Int16Array {
  const { bytes, tasks } = batch;
  const keys: (KeyObject | null)[] = [];
  for (let k = 0; k < batch.keys.length; k += 2) {
    keys.push(loadKey(cache, bytes.subarray(batch.keys[k], batch.keys[k + 1])));
  }
  const verifiedBy = new Int16Array(tasks.length / TASK_FIELDS).fill(-1);
  for (let t = 0; t < verifiedBy.length; t++) {
    const at = t * TASK_FIELDS;
    const field = (i: number) => tasks[at + i] as number;
    const data = bytes.subarray(field(0), field(1));
    const signature = bytes.subarray(field(2), field(3));
    const scheme = field(4);
    const first = field(5);
    const count = field(6);
    for (let c = 0; c < count; c++) {
      const key = keys[batch.candidates[first + c] as number];
      let valid = false;
      try {
        valid =
          key != null && verifySignature(batch.schemes[scheme] as SignatureScheme, key, data, signature);
      } catch {
        valid = false;
      }
      if (valid) {
        verifiedBy[t] = c;
        break;
      }
    }
  }
  return verifiedBy;
}
