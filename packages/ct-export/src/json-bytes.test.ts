import { describe, expect, it } from "vitest";
import { SeededRandom } from "./testing/index.js";
import { hasBackslashOrControl, jsonStringFromUtf8, maxJsonStringBytes } from "./json-bytes.js";

/** `bytes` placed at `offset` inside a larger buffer, as the driver's row slices are. */
function placed(bytes: Uint8Array, offset: number): Buffer {
  const pool = Buffer.alloc(offset + bytes.length + 7, 0x41);
  pool.set(bytes, offset);
  return pool.subarray(offset, offset + bytes.length);
}

/** The reference: JSON.stringify of the text, UTF-8 encoded. */
function stringified(text: string): Buffer {
  return Buffer.from(JSON.stringify(text), "utf8");
}

function encoded(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(maxJsonStringBytes(bytes.length) + 5, 0xee);
  const end = jsonStringFromUtf8(bytes, out, 3);
  return out.subarray(3, end);
}

describe("hasBackslashOrControl", () => {
  it("answers for every byte value, at every position and alignment", () => {
    for (let length = 1; length <= 13; length += 1) {
      for (let offset = 0; offset < 4; offset += 1) {
        for (let position = 0; position < length; position += 1) {
          for (let value = 0; value < 256; value += 1) {
            const bytes = new Uint8Array(length).fill(0x61);
            bytes[position] = value;
            const expected = value < 0x20 || value === 0x5c;
            if (hasBackslashOrControl(placed(bytes, offset)) !== expected) {
              throw new Error(`wrong for byte ${value} at ${position} of ${length}, offset ${offset}`);
            }
          }
        }
      }
    }
    expect(hasBackslashOrControl(placed(new Uint8Array(0), 1))).toBe(false);
  });
});

describe("jsonStringFromUtf8", () => {
  it("writes what JSON.stringify writes, for every kind of character", () => {
    const texts = [
      "",
      "x",
      '"',
      "\\",
      '{"leaf_input": "AAAA", "extra_data": "BBBB"}',
      '{\n  "a": "b\\/c",\n\t"d": "\\u00e9"\r\n}',
      "controls \u0000 \u0001 \u0007 \u0008 \u0009 \u000a \u000b \u000c \u000d \u001e \u001f \u0020 \u007f",
      "café \u00ff 日本 😀 \u2028 \u2029",
      '""" only quotes ""',
      "A".repeat(5000),
    ];
    for (const text of texts) {
      for (let offset = 0; offset < 4; offset += 1) {
        const bytes = placed(Buffer.from(text, "utf8"), offset);
        expect(encoded(bytes).equals(stringified(text)), JSON.stringify(text)).toBe(true);
      }
    }
  });

  it("matches JSON.stringify on random text, and copies arbitrary bytes faithfully", () => {
    const random = new SeededRandom("json-bytes");
    const alphabet = ['"', "\\", "\n", "\u0000", "\u001f", "a", "Z", "=", "/", "é", "€", "😀", "\u2028"];
    for (let round = 0; round < 300; round += 1) {
      const parts: string[] = [];
      const length = random.int(0, 80);
      for (let i = 0; i < length; i += 1) {
        // Mostly base64-like runs, as in real entries, with the odd special character.
        parts.push(random.chance(0.8) ? "QUJD".repeat(random.int(1, 4)) : random.pick(alphabet));
      }
      const text = parts.join("");
      const bytes = placed(Buffer.from(text, "utf8"), random.int(0, 3));
      expect(encoded(bytes).equals(stringified(text))).toBe(true);
    }
    // Not UTF-8 at all: every byte comes through, escaped only where JSON requires it.
    const raw = placed(
      Uint8Array.from({ length: 256 }, (_, i) => i),
      1,
    );
    const expected = Buffer.from(JSON.stringify(Buffer.from(raw).toString("latin1")), "latin1");
    expect(encoded(raw).equals(expected)).toBe(true);
  });
});
