// JSON string literals written straight from UTF-8 bytes, as `JSON.stringify` would write them from the
// decoded text. Rows read from MySQL/MariaDB carry `ct_entry` as bytes (a slice of the driver's socket
// buffer, outside the JavaScript heap), so the biggest field of a batch never becomes a heap string that
// the garbage collector must copy while the batch waits for its file to be written.

/** The most bytes `jsonStringFromUtf8` writes for `length` input bytes: every byte as `\u00XX`, plus quotes. */
export function maxJsonStringBytes(length: number): number {
  return length * 6 + 2;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Writes `bytes` (UTF-8) into `out` at `offset` as a JSON string literal, byte for byte what
 * `Buffer.from(JSON.stringify(bytes.toString("utf8")))` gives for valid UTF-8 (and a faithful escape of the
 * raw bytes otherwise: nothing is replaced). Returns the offset after the closing quote; `out` must have
 * `maxJsonStringBytes(bytes.length)` bytes free.
 *
 * Only `"`, `\` and bytes below 0x20 are escaped by `JSON.stringify` (multi-byte UTF-8 sequences never hold
 * them). A word-at-a-time scan checks for backslashes and control bytes; CT entries have neither, so the
 * common case copies the runs between quotes natively. Any other entry goes through `JSON.stringify` on the
 * bytes read as Latin-1, which maps each byte to one character and back, so the escapes are the same.
 */
export function jsonStringFromUtf8(bytes: Uint8Array, out: Buffer, offset: number): number {
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (hasBackslashOrControl(bytes)) {
    const text = JSON.stringify(source.toString("latin1"));
    return offset + out.write(text, offset, "latin1");
  }
  let at = offset;
  out[at++] = QUOTE;
  let start = 0;
  for (let quote = source.indexOf(QUOTE); quote !== -1; quote = source.indexOf(QUOTE, start)) {
    at += source.copy(out, at, start, quote);
    out[at++] = BACKSLASH;
    out[at++] = QUOTE;
    start = quote + 1;
  }
  at += source.copy(out, at, start);
  out[at++] = QUOTE;
  return at;
}

/**
 * Whether any byte is `\` or below 0x20. Four bytes at a time over the aligned middle: for a 32-bit word x,
 * `(x - 0x20202020) & ~x & 0x80808080` is non-zero exactly when some byte of x is below 0x20, and the same
 * test on `x ^ 0x5c5c5c5c` against 0x01010101 finds a byte equal to 0x5c. (A borrow can flag a wrong byte,
 * but only in a word that does hold a match, so the yes/no answer is exact.)
 */
export function hasBackslashOrControl(bytes: Uint8Array): boolean {
  const whole = new Uint8Array(bytes.buffer);
  const start = bytes.byteOffset;
  const end = start + bytes.byteLength;
  // Arithmetic, not bit masks: offsets into a buffer may exceed 2^31.
  const wordsStart = start + ((4 - (start % 4)) % 4);
  const wordsEnd = end - (end % 4);
  if (wordsEnd <= wordsStart) return needsEscapeByByte(whole, start, end);
  if (needsEscapeByByte(whole, start, wordsStart) || needsEscapeByByte(whole, wordsEnd, end)) return true;
  const words = new Int32Array(bytes.buffer, wordsStart, (wordsEnd - wordsStart) / 4);
  // Two words per step into two accumulators: the loop is the whole cost of the common case.
  let flagsA = 0;
  let flagsB = 0;
  const count = words.length;
  let i = 0;
  for (; i + 1 < count; i += 2) {
    const a = words[i]!;
    const b = words[i + 1]!;
    const slashesA = a ^ 0x5c5c5c5c;
    const slashesB = b ^ 0x5c5c5c5c;
    flagsA |= ((a - 0x20202020) & ~a) | ((slashesA - 0x01010101) & ~slashesA);
    flagsB |= ((b - 0x20202020) & ~b) | ((slashesB - 0x01010101) & ~slashesB);
  }
  if (i < count) {
    const a = words[i]!;
    const slashesA = a ^ 0x5c5c5c5c;
    flagsA |= ((a - 0x20202020) & ~a) | ((slashesA - 0x01010101) & ~slashesA);
  }
  return ((flagsA | flagsB) & 0x80808080) !== 0;
}

function needsEscapeByByte(whole: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i += 1) {
    const byte = whole[i] ?? 0;
    if (byte < 0x20 || byte === BACKSLASH) return true;
  }
  return false;
}
