import type { DataSource } from "typeorm";

/** A migrated certificate as stored, with its vehicle and technicians, keyed by legacy id. */
export interface ActualCertificate {
  id: number;
  serial_number: string | null;
  status: string;
  device_id: string;
  installation_date: string;
  calibration_date: string;
  expiry_date: string;
  cancelled: boolean;
  cancellation_date: string | null;
  installed_by_id: string;
  calibrated_by_id: string;
  installed_by_key: string;
  calibrated_by_key: string;
  installed_by_user_id: string;
  calibrated_by_user_id: string;
  dealer_id: string;
  user_id: string;
  installed_for_id: string | null;
  vehicle: { brand: string; model: string; vehicle_no: string; vehicle_chassis_no: string } | null;
  vehicle_certificate_id: string | null;
  km_reading: number;
  speed_limit: number;
  print_count: number;
  renewal_count: number;
  description: string | null;
  country_id: number;
  created_at: string;
  updated_at: string;
}

function isPostgres(dataSource: DataSource): boolean {
  return dataSource.options.type === "postgres";
}

/** A DATETIME/timestamp column as `YYYY-MM-DD HH:MM:SS` text, whatever the driver or the machine's zone. */
export function dateText(dataSource: DataSource, column: string): string {
  return isPostgres(dataSource)
    ? `to_char(${column}, 'YYYY-MM-DD HH24:MI:SS')`
    : `DATE_FORMAT(${column}, '%Y-%m-%d %H:%i:%s')`;
}

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

/** Every certificate the ledger says this library migrated, as text and numbers (no Date objects). */
export async function migratedCertificates(destination: DataSource): Promise<Map<number, ActualCertificate>> {
  const d = (column: string) => dateText(destination, column);
  const rows: Array<Record<string, unknown>> = await destination.query(`
    SELECT l.legacy_certificate_id AS legacy_id, c.id, c.serial_number, c.status, c.device_id,
           ${d("c.installation_date")} AS installation_date, ${d("c.calibration_date")} AS calibration_date,
           ${d("c.expiry_date")} AS expiry_date, c.cancelled, ${d("c.cancellation_date")} AS cancellation_date,
           c.installed_by_id, c.calibrated_by_id, ti.email AS ti_email, ti.dealer_id AS ti_dealer,
           tc.email AS tc_email, tc.dealer_id AS tc_dealer, c.installed_by_user_id, c.calibrated_by_user_id,
           c.dealer_id, c.user_id, c.installed_for_id, c.vehicle_id, v.brand, v.model, v.vehicle_no,
           v.vehicle_chassis_no, v.certificate_id AS vehicle_certificate_id, c.km_reading, c.speed_limit,
           c.print_count, c.renewal_count, c.description, c.country_id,
           ${d("c.created_at")} AS created_at, ${d("c.updated_at")} AS updated_at
      FROM legacy_migration_ledger l
      JOIN certificates c ON c.id = l.new_certificate_id
      JOIN technicians ti ON ti.id = c.installed_by_id
      JOIN technicians tc ON tc.id = c.calibrated_by_id
      LEFT JOIN vehicles v ON v.id = c.vehicle_id
     WHERE l.source = 'migrated'`);
  const result = new Map<number, ActualCertificate>();
  for (const row of rows) {
    result.set(Number(row["legacy_id"]), {
      id: Number(row["id"]),
      serial_number: text(row["serial_number"]),
      status: String(row["status"]),
      device_id: String(row["device_id"]),
      installation_date: String(row["installation_date"]),
      calibration_date: String(row["calibration_date"]),
      expiry_date: String(row["expiry_date"]),
      cancelled: row["cancelled"] === true || Number(row["cancelled"]) === 1,
      cancellation_date: text(row["cancellation_date"]),
      installed_by_id: String(row["installed_by_id"]),
      calibrated_by_id: String(row["calibrated_by_id"]),
      installed_by_key: `${String(row["ti_email"]).toLowerCase()}|${String(row["ti_dealer"])}`,
      calibrated_by_key: `${String(row["tc_email"]).toLowerCase()}|${String(row["tc_dealer"])}`,
      installed_by_user_id: String(row["installed_by_user_id"]),
      calibrated_by_user_id: String(row["calibrated_by_user_id"]),
      dealer_id: String(row["dealer_id"]),
      user_id: String(row["user_id"]),
      installed_for_id: text(row["installed_for_id"]),
      vehicle:
        row["vehicle_id"] === null
          ? null
          : {
              brand: String(row["brand"]),
              model: String(row["model"]),
              vehicle_no: String(row["vehicle_no"]),
              vehicle_chassis_no: String(row["vehicle_chassis_no"]),
            },
      vehicle_certificate_id: text(row["vehicle_certificate_id"]),
      km_reading: Number(row["km_reading"]),
      speed_limit: Number(row["speed_limit"]),
      print_count: Number(row["print_count"]),
      renewal_count: Number(row["renewal_count"]),
      description: text(row["description"]),
      country_id: Number(row["country_id"]),
      created_at: String(row["created_at"]),
      updated_at: String(row["updated_at"]),
    });
  }
  return result;
}

/** A single number from a `SELECT COUNT(*) AS n ...`. */
export async function count(dataSource: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const rows: Array<{ n: string | number }> = await dataSource.query(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** Vehicles that belong to no certificate, or to one that does not point back at them. */
export async function orphanVehicles(destination: DataSource): Promise<number> {
  return count(
    destination,
    `SELECT COUNT(*) AS n FROM vehicles v LEFT JOIN certificates c ON c.vehicle_id = v.id
      WHERE c.id IS NULL OR v.certificate_id IS NULL OR v.certificate_id <> c.id`,
  );
}

/** Groups of technicians sharing email and dealer (the migration must never create a second one). */
export async function duplicateTechnicians(destination: DataSource): Promise<number> {
  return count(
    destination,
    `SELECT COUNT(*) AS n FROM (SELECT LOWER(email) AS e, dealer_id FROM technicians
      GROUP BY LOWER(email), dealer_id HAVING COUNT(*) > 1) d`,
  );
}
