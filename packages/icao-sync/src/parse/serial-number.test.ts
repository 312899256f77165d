import { describe, expect, it } from "vitest";
import { formatSerialNumber } from "./serial-number.js";

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe("formatSerialNumber writes the serial as Python's hex() writes the signed integer", () => {
  it.each([
    ["zero", bytes(0x00), "0x0"],
    ["a small positive value", bytes(0x01), "0x1"],
    ["a value with a sign-padding zero byte", bytes(0x00, 0xff), "0xff"],
    ["a multi-byte value, lowercase and without leading zeros", bytes(0x04, 0xcd), "0x4cd"],
    ["a one-byte negative value", bytes(0xb2), "-0x4e"],
    ["the most negative one-byte value", bytes(0x80), "-0x80"],
    ["minus one", bytes(0xff, 0xff), "-0x1"],
  ])("%s", (_name, content, expected) => {
    expect(formatSerialNumber(content)).toBe(expected);
  });

  it("a 20-byte negative serial (as a real Kazakh CSCA has)", () => {
    // Python: hex(int.from_bytes(bytes([0xc1] + list(range(19))), "big", signed=True))
    const content = Uint8Array.from([0xc1, ...Array.from({ length: 19 }, (_, i) => i)]);
    expect(formatSerialNumber(content)).toBe("-0x3efffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeee");
  });
});
