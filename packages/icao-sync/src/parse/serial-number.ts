/**
 * Formats the content octets of a DER INTEGER as Python's `hex()` writes the signed integer:
 * `0x1a2b3c`, `-0x4e`, `0x0` (lowercase, no leading zeros, sign before the prefix).
 */
export function formatSerialNumber(content: Uint8Array): string {
  if (content.length === 0) return "0x0";
  const negative = ((content[0] as number) & 0x80) !== 0;
  const hex = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("hex");
  if (!negative) {
    const trimmed = hex.replace(/^0+/, "");
    return `0x${trimmed === "" ? "0" : trimmed}`;
  }
  // Two's complement: value = unsigned - 2^(8n).
  const magnitude = (1n << BigInt(content.length * 8)) - BigInt(`0x${hex}`);
  return `-0x${magnitude.toString(16)}`;
}
