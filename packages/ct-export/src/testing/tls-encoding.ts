/** Big-endian unsigned integer of `width` bytes, as TLS encodes lengths and fields. */
export function uint(value: number | bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let rest = BigInt(value);
  for (let i = width - 1; i >= 0; i -= 1) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  if (rest !== 0n) throw new RangeError(`${value} does not fit in ${width} bytes`);
  return out;
}

/** A TLS vector: `lengthWidth`-byte length prefix, then the bytes. */
export function vector(bytes: Uint8Array, lengthWidth: number): Uint8Array {
  return concat([uint(bytes.length, lengthWidth), bytes]);
}

/** Joins byte strings. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
