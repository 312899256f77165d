import { err, ok, type AppError, type Result } from "@certs/result";
import { jsonStringFromUtf8, maxJsonStringBytes } from "./json-bytes.js";
import { ctIndexDigits, inexactCtIndex, type PendingRow } from "./pending-file-format.js";

/** A row to encode: a `PendingRow` whose `ct_entry` may also be its UTF-8 bytes as read from the database. */
export type EncodableRow = Omit<PendingRow, "ct_entry"> & { readonly ct_entry: string | Uint8Array | null };

const INITIAL_BYTES = 256 * 1024;

/**
 * Writes pending files' bytes straight into one reusable buffer, byte for byte what `formatPendingFile`
 * returns, UTF-8 encoded: no batch-sized string is ever built, flattened or encoded twice, and the buffer
 * is allocated once per run instead of once per batch. The bytes returned are valid until the next call.
 */
export class PendingFileEncoder {
  private buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private length = 0;

  /** The file's bytes for these rows; a DATA_ERROR for a ct_index that is not an exact integer. */
  encode(rows: readonly EncodableRow[]): Result<Buffer, AppError> {
    this.length = 0;
    if (rows.length === 0) {
      this.append("[]");
      return ok(this.buffer.subarray(0, this.length));
    }
    for (const [position, row] of rows.entries()) {
      const digits = ctIndexDigits(row.ct_index);
      if (digits === null) return err(inexactCtIndex(position, row.ct_index));
      this.append(position === 0 ? '[\n  {\n    "ct_entry": ' : ',\n  {\n    "ct_entry": ');
      // The big field on its own: no row-sized concatenation follows.
      this.appendJsonString(row.ct_entry);
      this.append(
        `,\n    "ct_log_url": ${JSON.stringify(row.ct_log_url)},\n` +
          `    "log_name": ${JSON.stringify(row.log_name)},\n` +
          `    "worker_name": ${JSON.stringify(row.worker_name)},\n` +
          `    "ct_index": ${digits},\n` +
          `    "ip_address": ${row.ip_address === null ? "null" : JSON.stringify(row.ip_address)}\n` +
          "  }",
      );
    }
    this.append("\n]");
    return ok(this.buffer.subarray(0, this.length));
  }

  private appendJsonString(value: string | Uint8Array | null): void {
    if (value === null || typeof value === "string") {
      this.append(JSON.stringify(value));
      return;
    }
    this.reserve(maxJsonStringBytes(value.byteLength));
    this.length = jsonStringFromUtf8(value, this.buffer, this.length);
  }

  private append(text: string): void {
    // A UTF-16 code unit never takes more than 3 bytes of UTF-8.
    this.reserve(text.length * 3);
    this.length += this.buffer.write(text, this.length, "utf8");
  }

  private reserve(bytes: number): void {
    const needed = this.length + bytes;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
  }
}
