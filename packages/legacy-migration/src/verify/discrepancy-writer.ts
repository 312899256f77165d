import { ok, type Result } from "@certs/result";
import ExcelJS from "exceljs";
import { OutputFile } from "../report/output-file.js";
import { addSheet, zipCatchesUp, type ColumnSpec } from "../report/xlsx-sheets.js";
import type { Discrepancy, VerificationSummary } from "./discrepancy.js";

const COLUMNS: readonly ColumnSpec[] = [
  { header: "kind", width: 26 },
  { header: "legacy_id", width: 12 },
  { header: "certificate_id", width: 14 },
  { header: "table", width: 16 },
  { header: "column", width: 22 },
  { header: "expected", width: 24 },
  { header: "actual", width: 24 },
  { header: "message", width: 90 },
];

function cells(d: Discrepancy): Array<string | number | null> {
  return [d.kind, d.legacyId, d.certificateId, d.table, d.column, d.expected, d.actual, d.message];
}

function summaryRows(summary: VerificationSummary): Array<[string, string | number]> {
  const rows: Array<[string, string | number]> = [
    ["clean", summary.clean ? "yes" : "no"],
    ["legacy records selected", summary.legacyRecords],
    ["ledger rows", summary.ledgerRows],
    ["recomputed and compared", summary.recomputed],
    ["imported from the old tool (not compared)", summary.imported],
    ["failure rows", summary.failures],
    ["pending (not migrated, not failed)", summary.pending],
    ["destination certificates of the ledger rows", summary.destinationCertificates],
    ["destination vehicles of the ledger rows", summary.destinationVehicles],
    ["table certificates", summary.tables.certificates],
    ["table vehicles", summary.tables.vehicles],
    ["table technicians", summary.tables.technicians],
    ["table ledger", summary.tables.ledger],
    ["table failures", summary.tables.failures],
    ["discrepancies", summary.discrepancies],
  ];
  for (const [kind, n] of Object.entries(summary.discrepanciesByKind))
    rows.push([`discrepancies ${kind}`, n]);
  rows.push(["elapsed (s)", Math.round(summary.elapsedMs) / 1000]);
  rows.push(["rate (certificates/s)", Math.round(summary.ratePerSecond)]);
  return rows;
}

/**
 * Writes every discrepancy as it is found, streaming: an .xlsx workbook (sheets `Discrepancies` and
 * `Summary`, exceljs's streaming writer) or, for a path ending in `.json`, one JSON document
 * `{"discrepancies": [...], "summary": {...}}`. Atomic (a temporary file renamed into place); a write error is
 * a FILE_ERROR naming the path.
 */
export class DiscrepancyWriter {
  private first = true;

  private constructor(
    private readonly file: OutputFile,
    private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter | undefined,
    private readonly sheet: ExcelJS.Worksheet | undefined,
  ) {}

  /** Opens the file now, so a directory that takes no file fails before any work. */
  static async create(target: string): Promise<Result<DiscrepancyWriter>> {
    const file = await OutputFile.open(target);
    if (!file.ok) return file;
    if (target.toLowerCase().endsWith(".json")) {
      await file.value.write('{"discrepancies":[');
      return ok(new DiscrepancyWriter(file.value, undefined, undefined));
    }
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: file.value.stream, useStyles: true });
    return ok(new DiscrepancyWriter(file.value, workbook, addSheet(workbook, "Discrepancies", COLUMNS)));
  }

  /** Adds one discrepancy. */
  async add(discrepancy: Discrepancy): Promise<void> {
    if (this.sheet === undefined) {
      await this.file.write(`${this.first ? "\n" : ",\n"}${JSON.stringify(discrepancy)}`);
      this.first = false;
      return;
    }
    this.sheet.addRow(cells(discrepancy)).commit();
    await zipCatchesUp(this.sheet, this.file.abandoned);
  }

  /** Ends the file with the summary and renames it into place. */
  finish(summary: VerificationSummary): Promise<Result<void>> {
    const { workbook, sheet } = this;
    if (workbook === undefined || sheet === undefined) {
      return this.file.close(async () => {
        await this.file.write(`\n],"summary":${JSON.stringify(summary)}}\n`);
        this.file.stream.end();
      });
    }
    return this.file.close(async () => {
      sheet.commit();
      const summarySheet = addSheet(workbook, "Summary", [
        { header: "item", width: 44 },
        { header: "value", width: 20 },
      ]);
      for (const row of summaryRows(summary)) summarySheet.addRow(row).commit();
      summarySheet.commit();
      await workbook.commit();
    });
  }

  /** Leaves no file behind. */
  discard(): Promise<void> {
    return this.file.discard();
  }
}
