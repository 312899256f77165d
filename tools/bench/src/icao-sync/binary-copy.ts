// `COPY ... FROM STDIN (FORMAT binary)` over a pg client, written apart from the library's pg-copy-streams
// path: the baseline the sync is compared with. pg hands any object with `submit(connection)` the protocol
// messages of its query.
import { once } from "node:events";
import type pg from "pg";

/** One column value in PostgreSQL's binary COPY format, or null. */
export type CopyValue = Buffer | null;

/** The protocol calls of pg's Connection that its type declarations leave out. */
interface CopyConnection extends pg.Connection {
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
const CHUNK_BYTES = 256 * 1024;
// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);

/** A `uuid` value. */
export function uuidValue(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, ""), "hex");
}

/** A `text` value. */
export function textValue(text: string | null): CopyValue {
  return text === null ? null : Buffer.from(text, "utf8");
}

/** A `bytea` value. */
export function byteaValue(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A `timestamp without time zone` value holding the instant's UTC wall-clock time (as the repository stores it). */
export function timestampValue(date: Date): Buffer {
  const value = Buffer.allocUnsafe(8);
  value.writeBigInt64BE(BigInt(date.getTime() - POSTGRES_EPOCH_MS) * 1000n);
  return value;
}

/** Encodes tuples into binary COPY chunks of about 256 KB: the header first, the trailer last. */
export function* binaryCopyChunks(tuples: Iterable<readonly CopyValue[]>): Generator<Buffer> {
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let length = 0;
  const room = (bytes: number) => {
    if (length + bytes <= chunk.length) return null;
    const full = chunk.subarray(0, length);
    chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
    length = 0;
    return full;
  };
  SIGNATURE.copy(chunk, 0);
  chunk.writeInt32BE(0, SIGNATURE.length); // flags
  chunk.writeInt32BE(0, SIGNATURE.length + 4); // header extension length
  length = SIGNATURE.length + 8;
  for (const tuple of tuples) {
    const size = 2 + tuple.reduce((sum, value) => sum + 4 + (value?.length ?? 0), 0);
    const full = room(size);
    if (full !== null) yield full;
    length = chunk.writeInt16BE(tuple.length, length);
    for (const value of tuple) {
      if (value === null) {
        length = chunk.writeInt32BE(-1, length);
      } else {
        length = chunk.writeInt32BE(value.length, length);
        length += value.copy(chunk, length);
      }
    }
  }
  const full = room(2);
  if (full !== null) yield full;
  length = chunk.writeInt16BE(-1, length);
  yield chunk.subarray(0, length);
}

/**
 * Runs `statement` (a `COPY ... FROM STDIN (FORMAT binary)`) on `client`, streaming `chunks` as CopyData and
 * waiting for the socket to drain when it is full. Resolves with the row count PostgreSQL reports.
 */
export function copyFrom(
  client: pg.PoolClient,
  statement: string,
  chunks: Iterable<Buffer>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let failed: Error | null = null;
    let rows = 0;
    const submittable = {
      submit(connection: pg.Connection) {
        connection.query(statement);
      },
      handleCopyInResponse(connection: CopyConnection) {
        void (async () => {
          for (const chunk of chunks) {
            // After an ErrorResponse the server discards the rest until CopyDone; stop encoding.
            if (failed !== null) break;
            connection.sendCopyFromChunk(chunk);
            if (connection.stream.writableNeedDrain) await once(connection.stream, "drain");
          }
          connection.endCopyFrom();
        })().catch((error: unknown) => {
          failed = error instanceof Error ? error : new Error(String(error));
          connection.endCopyFrom();
        });
      },
      handleCommandComplete(message: { text?: string; command?: string; rowCount?: number }) {
        rows = message.rowCount ?? Number(/\d+$/.exec(message.text ?? "")?.[0] ?? 0);
      },
      handleReadyForQuery() {
        if (failed === null) resolve(rows);
        else reject(failed);
      },
      handleError(error: Error) {
        failed = error;
        reject(error);
      },
      // The rest of pg's query protocol: a COPY sends none of these.
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyData() {},
    };
    client.query(submittable);
  });
}
