// A worker thread of the signature pool: checks the DSC and CRL signatures of the batches it is sent.
import { parentPort } from "node:worker_threads";
import {
  checkSignatureBatch,
  type KeyCache,
  type SignatureBatch,
  type SignatureBatchReply,
} from "./signature-batch.js";

const port = parentPort;
if (port === null) throw new Error("signature-worker.ts runs only as a worker thread");
const cache: KeyCache = new Map();

port.on("message", (batch: SignatureBatch) => {
  let reply: SignatureBatchReply;
  try {
    reply = { id: batch.id, verifiedBy: checkSignatureBatch(batch, cache) };
  } catch (error) {
    reply = { id: batch.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, "verifiedBy" in reply ? [reply.verifiedBy.buffer as ArrayBuffer] : []);
});
port.postMessage({ ready: true } satisfies SignatureBatchReply);
