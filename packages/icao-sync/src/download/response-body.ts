/**
 * Reads a response body into one array, stopping as soon as more than `maxBytes` have arrived: the result
 * is then `undefined` and the rest of the body is cancelled, never buffered. This counts the bytes actually
 * received (after content decoding), so a missing or lying Content-Length, or a small gzip body that
 * inflates, cannot get past the limit. Stream errors (reset, timeout, abort) are thrown to the caller.
 */
export async function readLimitedBody(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      // Cancelling closes the connection; its outcome does not change ours.
      reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Lets go of a body we will not read, so the connection can be reused or closed. */
export async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Already errored or closed: nothing left to release.
  }
}
