// The baseline in a process of its own: the final rows the job wrote (vehicles, certificates, the vehicles'
// links, ledger rows), read back from its destination and inserted again into a fresh copy of the destination
// schema with raw mysql2 multi-row INSERTs over several connections.
// Run by the harness, compiled: `node raw-insert-case.mjs '<json>'` (see case-bundle.ts).
import mysql, { type Connection, type FieldPacket, type RowDataPacket } from "mysql2/promise";
import { caseInput, reportOnStop, reportProgress, reportResult } from "../case-process.js";

/** What the harness asks of this process. */
export interface RawInsertCaseInput {
  /** The job's destination, read (untimed) for the rows to insert. */
  readonly sourceUrl: string;
  /** The destination tables, seeded with the prerequisites but holding no migrated row. */
  readonly targetUrl: string;
  readonly connections: number;
  /** Certificates per transaction (the job's default group size). */
  readonly groupSize: number;
}

/** What this process reports. */
export interface RawInsertCaseResult {
  /** Certificates inserted (each with its vehicle, link and ledger row). */
  readonly certificates: number;
  readonly vehicles: number;
  readonly transactions: number;
  /** From the first BEGIN to the last COMMIT; reading the rows and connecting are not counted. */
  readonly elapsedMs: number;
  /** Reading the job's rows back, before the timed section. */
  readonly readMs: number;
  readonly stoppedBy: string;
  readonly error?: string;
  /** RSS with every row to insert loaded and every connection open, before the timed section. */
  readonly startRssMb: number;
  readonly cpuMs: number;
}

/** One certificate's rows, as column values in the order of their table's column list. */
interface CertificateRows {
  readonly certificate: unknown[];
  readonly vehicle: unknown[] | null;
  readonly ledger: unknown[];
  readonly certificateId: unknown;
  readonly vehicleId: unknown;
}

const PROGRESS_EVERY_MS = 1000;
const VEHICLE_COLUMNS = ["id", "brand", "model", "vehicle_no", "vehicle_chassis_no", "new_registration"];
const LEDGER_TABLE = "legacy_migration_ledger";
const input = caseInput<RawInsertCaseInput>();
const done = {
  certificates: 0,
  vehicles: 0,
  transactions: 0,
  started: null as number | null,
  lastProgress: 0,
  startRssMb: 0,
  startCpu: process.cpuUsage(),
  readMs: 0,
};
reportOnStop<RawInsertCaseResult>(() => ({
  ...totals(),
  elapsedMs: done.started === null ? 0 : performance.now() - done.started,
  stoppedBy: "stopped",
}));

reportResult(await run());

async function run(): Promise<RawInsertCaseResult> {
  const readStarted = performance.now();
  const { rows, certificateColumns, ledgerColumns } = await readFinalRows(input.sourceUrl);
  done.readMs = performance.now() - readStarted;
  const connections: Connection[] = [];
  try {
    for (let i = 0; i < input.connections; i += 1) connections.push(await connect(input.targetUrl));
    const statements = {
      vehicles: `INSERT INTO vehicles (${VEHICLE_COLUMNS.join(", ")}) VALUES ?`,
      certificates: `INSERT INTO certificates (${certificateColumns.join(", ")}) VALUES ?`,
      ledger: `INSERT INTO ${LEDGER_TABLE} (${ledgerColumns.join(", ")}) VALUES ?`,
    };
    done.startRssMb = process.memoryUsage.rss() / 1024 / 1024;
    done.startCpu = process.cpuUsage();
    done.started = performance.now();
    let next = 0;
    const worker = async (connection: Connection) => {
      for (;;) {
        const group = rows.slice(next, next + input.groupSize);
        next += group.length;
        if (group.length === 0) return;
        await insertGroup(connection, statements, group);
      }
    };
    await Promise.all(connections.map(worker));
    return { ...totals(), elapsedMs: performance.now() - done.started, stoppedBy: "completed" };
  } catch (error) {
    const elapsedMs = done.started === null ? 0 : performance.now() - done.started;
    return { ...totals(), elapsedMs, stoppedBy: "failed", error: String(error) };
  } finally {
    await Promise.all(connections.map((connection) => connection.end().catch(() => undefined)));
  }
}

/**
 * One transaction, as the job's group writes them: the vehicles (not yet linked), the certificates, the
 * vehicles' links in one UPDATE, the ledger rows; each a single multi-row statement.
 */
async function insertGroup(
  connection: Connection,
  statements: { readonly vehicles: string; readonly certificates: string; readonly ledger: string },
  group: readonly CertificateRows[],
): Promise<void> {
  const vehicles = group.flatMap((row) => (row.vehicle === null ? [] : [row.vehicle]));
  const links = group.filter((row) => row.vehicle !== null);
  await connection.query("BEGIN");
  if (vehicles.length > 0) await connection.query(statements.vehicles, [vehicles]);
  await connection.query(statements.certificates, [group.map((row) => row.certificate)]);
  if (links.length > 0) {
    await connection.query(
      `UPDATE vehicles SET certificate_id = CASE id ${links.map(() => "WHEN ? THEN ?").join(" ")} END ` +
        "WHERE id IN (?)",
      [...links.flatMap((row) => [row.vehicleId, row.certificateId]), links.map((row) => row.vehicleId)],
    );
  }
  await connection.query(statements.ledger, [group.map((row) => row.ledger)]);
  await connection.query("COMMIT");
  done.certificates += group.length;
  done.vehicles += vehicles.length;
  done.transactions += 1;
  const now = performance.now();
  if (done.transactions > 1 && now - done.lastProgress < PROGRESS_EVERY_MS) return;
  done.lastProgress = now;
  reportProgress({ certificates: done.certificates });
}

/**
 * The rows the job produced, in the order it migrated them (legacy id): each ledger row of the run with its
 * certificate and vehicle. Values are read as text (dates, BIGINTs) so they are written back unchanged.
 */
async function readFinalRows(url: string): Promise<{
  rows: CertificateRows[];
  certificateColumns: string[];
  ledgerColumns: string[];
}> {
  const connection = await connect(url);
  try {
    const [ledger, ledgerFields] = await connection.query<RowDataPacket[][]>({
      sql: `SELECT * FROM ${LEDGER_TABLE} WHERE source = 'migrated' ORDER BY legacy_certificate_id`,
      rowsAsArray: true,
    });
    const [certificates, certificateFields] = await connection.query<RowDataPacket[][]>({
      sql: "SELECT * FROM certificates",
      rowsAsArray: true,
    });
    const [vehicles] = await connection.query<RowDataPacket[][]>({
      sql: `SELECT ${VEHICLE_COLUMNS.join(", ")} FROM vehicles`,
      rowsAsArray: true,
    });
    const ledgerColumns = names(ledgerFields);
    const certificateColumns = names(certificateFields);
    const certificateIdAt = ledgerColumns.indexOf("new_certificate_id");
    const vehicleIdAt = ledgerColumns.indexOf("vehicle_id");
    const certificateById = new Map(certificates.map((row) => [String(row[0]), row as unknown[]]));
    const vehicleById = new Map(vehicles.map((row) => [String(row[0]), row as unknown[]]));
    if (certificateColumns[0] !== "id") throw new Error("certificates.id is not the first column");
    const rows = ledger.map((entry): CertificateRows => {
      const certificateId = entry[certificateIdAt] as unknown;
      const vehicleId = entry[vehicleIdAt] as unknown;
      const certificate = certificateById.get(String(certificateId));
      if (certificate === undefined)
        throw new Error(`the ledger names a missing certificate ${String(certificateId)}`);
      const vehicle = vehicleId === null ? null : (vehicleById.get(String(vehicleId)) ?? null);
      return { certificate, vehicle, ledger: entry as unknown[], certificateId, vehicleId };
    });
    return { rows, certificateColumns, ledgerColumns };
  } finally {
    await connection.end();
  }
}

function names(fields: FieldPacket[]): string[] {
  return fields.map((field) => field.name);
}

function connect(url: string): Promise<Connection> {
  return mysql.createConnection({
    uri: url,
    supportBigNumbers: true,
    bigNumberStrings: true,
    // Dates stay the text the job wrote (UTC), untouched by this machine's zone.
    dateStrings: true,
    charset: "utf8mb4",
  });
}

function totals(): Pick<
  RawInsertCaseResult,
  "certificates" | "vehicles" | "transactions" | "readMs" | "startRssMb" | "cpuMs"
> {
  const used = process.cpuUsage(done.startCpu);
  return {
    certificates: done.certificates,
    vehicles: done.vehicles,
    transactions: done.transactions,
    readMs: done.readMs,
    startRssMb: done.startRssMb,
    cpuMs: done.started === null ? 0 : (used.user + used.system) / 1000,
  };
}
