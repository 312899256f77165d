import { once } from "node:events";
import { finished } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type {
  CertificateRow,
  CrlRow,
  ProvenanceRow,
  RevokedCertificateRow,
  TrustStoreRows,
} from "./trust-store-rows.js";

// PostgreSQL's binary COPY format: a signature, flags and header-extension length, then per tuple a 16-bit
// field count and each field as a 32-bit length (-1 for NULL) and its bytes, then a -1 field count.
const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
// Rows are sent in chunks of about this size, each while the next is encoded.
const CHUNK_BYTES = 128 * 1024;
// PostgreSQL timestamps count microseconds from 2000-01-01 00:00 UTC.
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_TO_32 = 2 ** 32;
const MAX_REPEATED_CHARS = 512;
const SHORT_TEXT_CHARS = 64;
// Hex digit values by character code, -1 for anything else.
const HEX_VALUE = Int8Array.from({ length: 128 }, (_, code) => {
  const c = String.fromCharCode(code);
  return /[0-9a-fA-F]/.test(c) ? Number.parseInt(c, 16) : -1;
});
const MAX_REPEATED_VALUES = 4096;
// COPY statements sent but not yet confirmed: one on the wire while the next batch is parsed.
const MAX_IN_FLIGHT = 2;

/** Encodes tuples in PostgreSQL's binary COPY format, into chunks of about `CHUNK_BYTES`. */
class BinaryCopyEncoder {
  private buffer: Buffer;
  private at = 0;
  // Values that repeat from row to row (source, country, issuer, reason, the sync time), encoded once.
  private readonly repeated = new Map<string, Buffer>();
  private lastTime = Number.NaN;
  private readonly lastTimeBytes = Buffer.alloc(8);

  constructor() {
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES + CHUNK_BYTES / 4);
    SIGNATURE.copy(this.buffer, 0);
    this.buffer.writeInt32BE(0, SIGNATURE.length);
    this.buffer.writeInt32BE(0, SIGNATURE.length + 4);
    this.at = SIGNATURE.length + 8;
  }

  /** Whether the chunk so far is big enough to send. */
  get full(): boolean {
    return this.at >= CHUNK_BYTES;
  }

  /** The bytes encoded since the last `take`; encoding goes on in a new buffer (the old one is being sent). */
  take(): Buffer {
    const chunk = this.buffer.subarray(0, this.at);
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES + CHUNK_BYTES / 4);
    this.at = 0;
    return chunk;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }

  // Lengths and counts byte by byte: Buffer's writeInt32BE checks its arguments on every call, which costs
  // more than the store itself before the JIT has warmed up (a fresh process encodes one batch or two).
  private int32(value: number): void {
    const b = this.buffer;
    const at = this.at;
    b[at] = value >>> 24;
    b[at + 1] = value >>> 16;
    b[at + 2] = value >>> 8;
    b[at + 3] = value;
    this.at = at + 4;
  }

  tuple(fields: number): void {
    this.room(2);
    this.buffer[this.at] = fields >>> 8;
    this.buffer[this.at + 1] = fields;
    this.at += 2;
  }

  /** A `text` value; `repeats` when the same value is likely in other rows of the batch. */
  text(value: string | null, repeats = false): void {
    if (value === null) return this.null();
    if (repeats && value.length <= MAX_REPEATED_CHARS) {
      let bytes = this.repeated.get(value);
      if (bytes === undefined) {
        bytes = Buffer.from(value, "utf8");
        if (this.repeated.size < MAX_REPEATED_VALUES) this.repeated.set(value, bytes);
      }
      return this.bytea(bytes);
    }
    if (value.length <= SHORT_TEXT_CHARS) {
      // Short ASCII (serial numbers, key identifiers) is copied in JavaScript, like the UUIDs.
      this.room(4 + value.length);
      const b = this.buffer;
      const start = this.at + 4;
      let i = 0;
      for (; i < value.length; i++) {
        const code = value.charCodeAt(i);
        if (code > 0x7f) break;
        b[start + i] = code;
      }
      if (i === value.length) {
        this.int32(i);
        this.at = start + i;
        return;
      }
    }
    // UTF-8 takes at most three bytes per UTF-16 code unit.
    this.room(4 + value.length * 3);
    const length = this.buffer.write(value, this.at + 4, "utf8");
    this.int32(length);
    this.at += length;
  }

  bytea(value: Uint8Array): void {
    this.room(4 + value.byteLength);
    this.int32(value.byteLength);
    this.buffer.set(value, this.at);
    this.at += value.byteLength;
  }

  uuid(value: string): void {
    this.room(20);
    const at = this.at + 4;
    const b = this.buffer;
    // The canonical 8-4-4-4-12 form in plain JavaScript (a native call per field costs more than the work);
    // the other forms PostgreSQL accepts, through Buffer.write.
    let written = 0;
    if (value.length === 36) {
      for (let i = 0; i < 36; i += 2) {
        if (i === 8 || i === 13 || i === 18 || i === 23) {
          if (value.charCodeAt(i) !== 0x2d) break;
          i -= 1;
          continue;
        }
        const high = HEX_VALUE[value.charCodeAt(i)] ?? -1;
        const low = HEX_VALUE[value.charCodeAt(i + 1)] ?? -1;
        if (high < 0 || low < 0) break;
        b[at + written] = (high << 4) | low;
        written += 1;
      }
    } else {
      const compact = value.replace(/[-{}]/g, "");
      if (compact.length === 32) written = b.write(compact, at, 16, "hex");
    }
    if (written !== 16) throw new TypeError(`${JSON.stringify(value)} is not a UUID`);
    this.int32(16);
    this.at += 16;
  }

  /** A `timestamp without time zone` holding the instant's UTC wall-clock time, as the tables keep it. */
  timestamp(value: Date): void {
    const time = value.getTime();
    if (time !== this.lastTime) {
      const micros = (time - POSTGRES_EPOCH_MS) * 1000;
      if (!Number.isSafeInteger(micros)) throw new TypeError(`${String(value)} is not a storable timestamp`);
      const high = Math.floor(micros / TWO_TO_32);
      this.lastTimeBytes.writeInt32BE(high, 0);
      this.lastTimeBytes.writeUInt32BE(micros - high * TWO_TO_32, 4);
      this.lastTime = time;
    }
    this.bytea(this.lastTimeBytes);
  }

  /** An `integer` (int4) value. */
  int4(value: number | null): void {
    if (value === null) return this.null();
    this.room(8);
    this.int32(4);
    this.int32(value);
  }

  private null(): void {
    this.room(4);
    this.int32(-1);
  }

  finish(): Buffer {
    this.room(2);
    this.buffer[this.at] = 0xff;
    this.buffer[this.at + 1] = 0xff;
    this.at += 2;
    return this.buffer.subarray(0, this.at);
  }
}

function* certificateChunks(rows: readonly CertificateRow[]): Generator<Buffer> {
  const out = new BinaryCopyEncoder();
  for (const row of rows) {
    out.tuple(9);
    out.uuid(row.id);
    out.bytea(row.certificate);
    out.text(row.subject_key_identifier);
    out.text(row.authority_key_identifier, true);
    out.text(row.issuer, true);
    out.bytea(row.x_500_issuer);
    out.text(row.source, true);
    out.text(row.isn);
    out.timestamp(row.updated_at);
    if (out.full) yield out.take();
  }
  yield out.finish();
}

function* crlChunks(rows: readonly CrlRow[]): Generator<Buffer> {
  const out = new BinaryCopyEncoder();
  for (const row of rows) {
    out.tuple(6);
    out.uuid(row.id);
    out.bytea(row.crl);
    out.text(row.source, true);
    out.text(row.issuer, true);
    out.text(row.country, true);
    out.timestamp(row.updated_at);
    if (out.full) yield out.take();
  }
  yield out.finish();
}

function* revokedChunks(rows: readonly RevokedCertificateRow[]): Generator<Buffer> {
  const out = new BinaryCopyEncoder();
  for (const row of rows) {
    out.tuple(8);
    out.uuid(row.id);
    out.text(row.source, true);
    out.text(row.country, true);
    out.text(row.isn);
    out.uuid(row.crl);
    out.text(row.revocation_reason, true);
    out.timestamp(row.revocation_date);
    out.timestamp(row.updated_at);
    if (out.full) yield out.take();
  }
  yield out.finish();
}

function* provenanceChunks(rows: readonly ProvenanceRow[]): Generator<Buffer> {
  const out = new BinaryCopyEncoder();
  for (const row of rows) {
    out.tuple(9);
    out.text(row.table_name, true);
    out.uuid(row.row_id);
    out.text(row.source, true);
    out.text(row.collection, true);
    out.text(row.status, true);
    out.text(row.conformance_code, true);
    out.text(row.conformance_text, true);
    out.int4(row.pkd_version);
    out.text(row.detail, true);
    if (out.full) yield out.take();
  }
  yield out.finish();
}

// Table names are constants, never input.
const CERTIFICATE_COLUMNS =
  "(id, certificate, subject_key_identifier, authority_key_identifier, issuer, x_500_issuer, source, isn, updated_at)";
const COPY_ROOT_CA = `COPY root_ca ${CERTIFICATE_COLUMNS} FROM STDIN (FORMAT binary)`;
const COPY_DSC = `COPY dsc ${CERTIFICATE_COLUMNS} FROM STDIN (FORMAT binary)`;
const COPY_CRLS = "COPY crls (id, crl, source, issuer, country, updated_at) FROM STDIN (FORMAT binary)";
const COPY_REVOKED =
  "COPY revoked_certificate_list (id, source, country, isn, crl, revocation_reason, revocation_date, updated_at) " +
  "FROM STDIN (FORMAT binary)";
const COPY_PROVENANCE =
  "COPY icao_sync_provenance (table_name, row_id, source, collection, status, conformance_code, conformance_text, " +
  "pkd_version, detail) FROM STDIN (FORMAT binary)";

/**
 * Writes rows into the four tables with binary `COPY ... FROM STDIN` on a client inside an open
 * transaction. `write` returns once the batch is on its way, so the caller can prepare the next one while
 * PostgreSQL stores it; at most two batches are unconfirmed at a time, so memory stays bounded. Each COPY
 * is sent first and its rows encoded a chunk at a time after, so PostgreSQL stores one chunk while the next
 * is encoded. The first failure (a database error, or a row that cannot be encoded) is thrown by the next
 * `write` or by `finish`; the caller then rolls back.
 */
export class TrustStoreCopyWriter {
  private readonly pending: Promise<void>[] = [];
  private tail: Promise<void> = Promise.resolve();
  private failure: { readonly error: unknown } | null = null;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly onBatch?: (rows: number) => void,
  ) {}

  /** Sends one batch, parents before children (a revoked entry's CRL row first). */
  async write(rows: TrustStoreRows): Promise<void> {
    this.throwIfFailed();
    const statements: [string, () => Iterable<Buffer>][] = [];
    if (rows.root_ca.length > 0) statements.push([COPY_ROOT_CA, () => certificateChunks(rows.root_ca)]);
    if (rows.dsc.length > 0) statements.push([COPY_DSC, () => certificateChunks(rows.dsc)]);
    if (rows.crls.length > 0) statements.push([COPY_CRLS, () => crlChunks(rows.crls)]);
    if (rows.revoked_certificate_list.length > 0) {
      statements.push([COPY_REVOKED, () => revokedChunks(rows.revoked_certificate_list)]);
    }
    const provenance = rows.icao_sync_provenance ?? [];
    if (provenance.length > 0) statements.push([COPY_PROVENANCE, () => provenanceChunks(provenance)]);
    if (statements.length === 0) return;
    const count =
      rows.root_ca.length + rows.dsc.length + rows.crls.length + rows.revoked_certificate_list.length;
    // One statement at a time on the connection (pg deprecates queueing queries on a busy client): each
    // batch's COPYs start when the previous batch's are done, while the caller goes on parsing.
    const stored = this.tail.then(async () => {
      if (this.failure !== null) return;
      for (const [statement, chunks] of statements) await this.copy(statement, chunks());
      this.onBatch?.(count);
    });
    this.tail = stored.catch((error: unknown) => {
      this.failure ??= { error };
    });
    this.pending.push(this.tail);
    while (this.pending.length > MAX_IN_FLIGHT) await this.pending.shift();
    this.throwIfFailed();
  }

  /** Waits until PostgreSQL has stored every batch; throws the first failure. */
  async finish(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift();
    this.throwIfFailed();
  }

  /** Waits for every batch sent, ignoring failures (before a rollback). */
  async settle(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift();
  }

  private async copy(statement: string, chunks: Iterable<Buffer>): Promise<void> {
    const stream = this.client.query(copyFrom(statement));
    const done = finished(stream);
    let failed = false;
    // Settles when the COPY ends either way; a database error is returned by `done` at the end.
    const ended = done.then(
      () => undefined,
      () => {
        failed = true;
      },
    );
    try {
      let first = true;
      for (const chunk of chunks) {
        if (failed) break;
        if (first) {
          // Encoded while the statement travels; sent once the server is ready for rows. From then on the
          // socket takes each chunk as it is encoded, so the server stores rows while the next are encoded.
          first = false;
          await Promise.race([new Promise<void>((resolve) => stream.write(chunk, () => resolve())), ended]);
        } else if (!stream.write(chunk)) {
          await Promise.race([
            once(stream, "drain").then(
              () => undefined,
              () => undefined,
            ),
            ended,
          ]);
        }
      }
    } catch (error) {
      // Only encoding throws here (a row that cannot be encoded): the COPY is abandoned (CopyFail), and the
      // error is this one.
      stream.destroy(error instanceof Error ? error : new Error(String(error)));
      await ended;
      throw error;
    }
    // After a database error the server has ended the COPY itself: nothing more to send.
    if (!failed) stream.end();
    return done;
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure.error;
  }
}
