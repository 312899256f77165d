import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";

/**
 * A cursor over TLS-encoded bytes (RFC 5246 section 4): big-endian integers and length-prefixed vectors,
 * as used by RFC 6962 for `leaf_input` and `extra_data`. Every read names the field it reads, so a short
 * or malformed structure yields a PARSE_ERROR that says which field is broken.
 */
export class TlsReader {
  private offset = 0;

  /** @param bytes the encoded structure; @param structure its name, used in error messages */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly structure: string,
  ) {}

  /** Bytes not yet read. */
  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Reads an unsigned big-endian integer of 1 to 6 bytes. */
  uint(width: 1 | 2 | 3 | 4 | 6, field: string): Result<number, AppError> {
    const raw = this.take(width, field);
    if (!raw.ok) return raw;
    let value = 0;
    for (const byte of raw.value) value = value * 256 + byte;
    return ok(value);
  }

  /** Reads an unsigned 64-bit big-endian integer. */
  uint64(field: string): Result<bigint, AppError> {
    const raw = this.take(8, field);
    if (!raw.ok) return raw;
    let value = 0n;
    for (const byte of raw.value) value = (value << 8n) | BigInt(byte);
    return ok(value);
  }

  /** Reads exactly `length` bytes. */
  take(length: number, field: string): Result<Uint8Array, AppError> {
    if (length > this.remaining) {
      return err(
        this.problem(
          `${field} needs ${length} bytes at offset ${this.offset} but only ${this.remaining} remain`,
        ),
      );
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return ok(slice);
  }

  /** Reads a vector whose length prefix is `lengthWidth` bytes wide, checking its length bounds. */
  vector(lengthWidth: 1 | 2 | 3, field: string, minLength = 0): Result<Uint8Array, AppError> {
    const length = this.uint(lengthWidth, `length of ${field}`);
    if (!length.ok) return length;
    if (length.value < minLength) {
      return err(this.problem(`${field} is ${length.value} bytes long, at least ${minLength} expected`));
    }
    return this.take(length.value, field);
  }

  /** Succeeds only if every byte has been read. */
  end(): Result<void, AppError> {
    if (this.remaining !== 0) {
      return err(this.problem(`${this.remaining} trailing bytes after the last field`));
    }
    return ok();
  }

  /** A PARSE_ERROR about this structure. */
  problem(detail: string): AppError {
    return appError(ErrorCode.PARSE_ERROR, `${this.structure} is malformed: ${detail}.`, {
      details: { structure: this.structure, offset: this.offset },
    });
  }
}
