import { err, ok, type AppError, type Result } from "@certs/result";
import { ctIndexDigits, inexactCtIndex, type PendingRow } from "./pending-file-format.js";

const INITIAL_BYTES = 256 * 1024;

/**
 * Writes pending files' bytes straight into one reusable buffer, byte for byte what `formatPendingFile`
 * returns, UTF-8 encoded: no batch-sized string is ever built, flattened or encoded twice, and the buffer
 * is allocated once per run instead of once per batch. The bytes returned are valid until the next call.
 */
export class PendingFileEncoder {
  private buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private length = 0;

  /** The file's bytes for these rows; a VALIDATION_ERROR for a ct_index that is not an exact integer. */
  encode(rows: readonly PendingRow[]): Result<Buffer, AppError> {
    this.length = 0;
    if (rows.length === 0) {
      this.append("[]");
      return ok(this.buffer.subarray(0, this.length));
    }
    for (const [position, row] of rows.entries()) {
      const digits = ctIndexDigits(row.ct_index);
      if (digits === null) return err(inexactCtIndex(position, row.ct_index));
      this.append(position === 0 ? '[\n  {\n    "ct_entry": ' : ',\n  {\n    "ct_entry": ');
      // The big field on its own: JSON.stringify escapes it natively, and no row-sized concatenation follows.
      this.append(JSON.stringify(row.ct_entry));
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

  private append(text: string): void {
    // A UTF-16 code unit never takes more than 3 bytes of UTF-8.
    const needed = this.length + text.length * 3;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length, "utf8");
  }
}
