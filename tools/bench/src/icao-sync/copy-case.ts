// The baseline: the rows a sync would write, read and built untimed, then written with binary COPY into the
// same empty tables, in a process of its own. Run by the harness, compiled: `node copy-case.mjs '<json>'` (see case-bundle.ts).
import { readFileSync } from "node:fs";
import {
  buildTrustStoreRows,
  loadTrustAnchors,
  parseLdif,
  parseMasterList,
  type CertificateRow,
  type CertificateSummary,
  type ParsedCrl,
  type TrustStoreContent,
  type TrustStoreRows,
} from "@certs/icao-sync";
import type pg from "pg";
import { caseInput, reportOnStop, reportResult } from "../case-process.js";
import {
  binaryCopyChunks,
  byteaValue,
  copyFrom,
  textValue,
  timestampValue,
  uuidValue,
  type CopyValue,
} from "./binary-copy.js";
import { migratedPool, tableCounts, type CaseSources } from "./case-database.js";

/** What the harness asks of this process. */
export interface CopyCaseInput {
  readonly url: string;
  readonly sources: CaseSources;
}

/** What this process reports. */
export interface CopyCaseResult {
  /** BEGIN, the four COPY statements (encoding included), COMMIT. */
  readonly elapsedMs: number;
  /** Reading, parsing and building the rows, before the timed section. */
  readonly prepareMs: number;
  /** Rows the database holds afterwards, per table. */
  readonly rows: Record<string, number>;
}

const input = caseInput<CopyCaseInput>();
reportOnStop<CopyCaseResult>(() => ({ elapsedMs: 0, prepareMs: 0, rows: {} }));

const prepareStarted = performance.now();
const rows = buildTrustStoreRows(readContent(input.sources), { updatedAt: new Date() });
const prepareMs = performance.now() - prepareStarted;
const pool = await migratedPool(input.url);
try {
  const client = await pool.connect();
  let elapsedMs: number;
  try {
    const started = performance.now();
    await client.query("BEGIN");
    await copyTrustStore(client, rows);
    await client.query("COMMIT");
    elapsedMs = performance.now() - started;
  } finally {
    client.release();
  }
  reportResult<CopyCaseResult>({ elapsedMs, prepareMs, rows: await tableCounts(pool) });
} finally {
  await pool.end();
}

/** What the sync pipeline reads from the same files (master lists verified, as the sync does). */
function readContent(sources: CaseSources): Required<TrustStoreContent> {
  const anchors = loadTrustAnchors(sources.trustAnchors.map((file) => new Uint8Array(readFileSync(file))));
  if (!anchors.ok) throw new Error(anchors.error.message);
  const cscas: CertificateSummary[] = [];
  const dscs: CertificateSummary[] = [];
  const crls: ParsedCrl[] = [];
  for (const file of sources.masterLists) {
    const list = parseMasterList(new Uint8Array(readFileSync(file)), { trustAnchors: anchors.value });
    if (!list.ok) throw new Error(list.error.message);
    cscas.push(...list.value.cscas);
    crls.push(...list.value.crls);
  }
  for (const file of sources.ldif) {
    const ldif = parseLdif(new Uint8Array(readFileSync(file)));
    if (!ldif.ok) throw new Error(ldif.error.message);
    dscs.push(...ldif.value.dscs.map((entry) => entry.certificate));
    crls.push(...ldif.value.crls.map((entry) => entry.crl));
  }
  return { cscas, dscs, crls };
}

async function copyTrustStore(client: pg.PoolClient, rows: TrustStoreRows): Promise<void> {
  const certificate = (row: CertificateRow): CopyValue[] => [
    uuidValue(row.id),
    byteaValue(row.certificate),
    textValue(row.subject_key_identifier),
    textValue(row.authority_key_identifier),
    textValue(row.issuer),
    byteaValue(row.x_500_issuer),
    textValue(row.source),
    textValue(row.isn),
    timestampValue(row.updated_at),
  ];
  const certificateColumns =
    "(id, certificate, subject_key_identifier, authority_key_identifier, issuer, x_500_issuer, source, isn, updated_at)";
  for (const table of ["root_ca", "dsc"] as const) {
    await copyFrom(
      client,
      `COPY ${table} ${certificateColumns} FROM STDIN (FORMAT binary)`,
      binaryCopyChunks(map(rows[table], certificate)),
    );
  }
  await copyFrom(
    client,
    "COPY crls (id, crl, source, issuer, country, updated_at) FROM STDIN (FORMAT binary)",
    binaryCopyChunks(
      map(rows.crls, (row) => [
        uuidValue(row.id),
        byteaValue(row.crl),
        textValue(row.source),
        textValue(row.issuer),
        textValue(row.country),
        timestampValue(row.updated_at),
      ]),
    ),
  );
  await copyFrom(
    client,
    "COPY revoked_certificate_list (id, source, country, isn, crl, revocation_reason, revocation_date, updated_at) " +
      "FROM STDIN (FORMAT binary)",
    binaryCopyChunks(
      map(rows.revoked_certificate_list, (row) => [
        uuidValue(row.id),
        textValue(row.source),
        textValue(row.country),
        textValue(row.isn),
        uuidValue(row.crl),
        textValue(row.revocation_reason),
        timestampValue(row.revocation_date),
        timestampValue(row.updated_at),
      ]),
    ),
  );
}

function* map<T, U>(items: readonly T[], f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}
