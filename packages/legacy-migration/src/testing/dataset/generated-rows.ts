import type { LegacyCertificateRow } from "../../schema/legacy-schema.js";

/** The five `certificate_record` dates, held as epoch seconds (0 = a zero date) or null. */
type LegacyDateColumns =
  "date_installation" | "date_calibrate" | "date_expiry" | "date_cancelation" | "date_actual_installation";

/** A generated legacy certificate: the table's columns, dates as epoch seconds (0 is a zero date). */
export type GeneratedCertificate = Omit<LegacyCertificateRow, LegacyDateColumns> & {
  [K in LegacyDateColumns]: number | null;
};

/** A generated row of any other table: column name → value. */
export type GeneratedRow = Record<string, string | number | boolean | null>;

/** One mapping-file entry, in file order. */
export interface GeneratedMappingEntry {
  readonly key: string;
  readonly value: unknown;
}
