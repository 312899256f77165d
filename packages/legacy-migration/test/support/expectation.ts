import type { GeneratedRow, LegacyDataset } from "../../src/testing/index.js";

/**
 * What the migration must produce for a generated dataset, computed here from the schema page's rules in
 * the plainest way possible, without calling any of the code under test.
 */

/** A technician reference: a known row id, or "the one created for this email and dealer". */
export type ExpectedTechnician = { id: string } | { create: string };

export interface ExpectedCertificate {
  serial_number: string | null;
  status: string;
  device_id: string;
  installation_date: string;
  calibration_date: string;
  expiry_date: string;
  cancelled: boolean;
  cancellation_date: string | null;
  installed_by: ExpectedTechnician;
  calibrated_by: ExpectedTechnician;
  installed_by_user_id: string;
  calibrated_by_user_id: string;
  dealer_id: string;
  user_id: string;
  installed_for_id: string | null;
  vehicle: { brand: string; model: string; vehicle_no: string; vehicle_chassis_no: string } | null;
  km_reading: number;
  speed_limit: number;
  print_count: number;
  renewal_count: number;
  description: string | null;
  country_id: number;
  created_at: string;
}

export interface Expectation {
  migrated: Map<number, ExpectedCertificate>;
  /** Legacy id → the step of the first problem. */
  failed: Map<number, string>;
  /** Legacy ids the old tool's mapping file marks as done. */
  premigrated: Set<number>;
  blockedDevices: Set<string>;
  /** email + "|" + dealer of every technician the migration must create. */
  createdTechnicians: Set<string>;
}

function utcText(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19).replace("T", " ");
}

function byId(rows: readonly GeneratedRow[]): Map<string, GeneratedRow> {
  return new Map(rows.map((row) => [String(row["id"]), row]));
}

export function expectedMigration(dataset: LegacyDataset): Expectation {
  const users = byId(dataset.destination.users);
  const customers = byId(dataset.destination.customers);
  const technicianRows = byId(dataset.destination.technicians);
  const devices = new Map(
    dataset.destination.devices.map((d) => [String(d["ecu_number"]).toUpperCase(), String(d["id"])]),
  );
  const customerMap = new Map(dataset.mappings.customers.map((m) => [m.key, Number(m.value)]));
  const userEntries = dataset.mappings.users.map((m) => ({
    id: m.key,
    ...(m.value as { old_user_id: number | null; dealer_id: number }),
  }));
  const technicianEntries = dataset.mappings.technicians.map((m) => ({
    id: m.key,
    old: (m.value as { old_technician_id: number }).old_technician_id,
  }));
  const premigrated = new Set(dataset.mappings.certificates.map((m) => Number(m.key)));

  const maxRenewal = new Map<string, number>();
  for (const c of dataset.legacy.certificates) {
    const key = c.ecu.trim().toUpperCase();
    maxRenewal.set(key, Math.max(maxRenewal.get(key) ?? 0, c.renewal_count));
  }

  const expectation: Expectation = {
    migrated: new Map(),
    failed: new Map(),
    premigrated,
    blockedDevices: new Set(
      dataset.destination.devices.filter((d) => Number(d["blocked"]) === 1).map((d) => String(d["id"])),
    ),
    createdTechnicians: new Set(),
  };

  for (const c of dataset.legacy.certificates) {
    if (premigrated.has(c.id)) continue;
    const problems: string[] = [];

    const deviceId = devices.get(c.ecu.trim().toUpperCase());
    if (deviceId === undefined) problems.push("device");

    let customerId: string | null = null;
    const mappedCustomer = customerMap.get(String(c.customer_id));
    if (
      c.customer_id === 0 ||
      mappedCustomer === undefined ||
      mappedCustomer === 0 ||
      !customers.has(String(mappedCustomer))
    ) {
      problems.push("customer");
    } else {
      customerId = String(mappedCustomer);
    }

    const userFor = (legacyUser: number): GeneratedRow | undefined => {
      let found: string | undefined;
      for (const entry of userEntries) if (entry.old_user_id === legacyUser) found = entry.id;
      return found === undefined ? undefined : users.get(found);
    };
    const calibrator = userFor(c.caliberater_user_id);
    if (calibrator === undefined) problems.push("calibrating user");
    const installer = userFor(c.installer_user_id);
    if (installer === undefined) problems.push("installing user");

    let dealerId: string | undefined;
    let userId: string | undefined;
    if (c.dealer_id === 0) {
      problems.push("dealer");
    } else {
      const entry = userEntries.find((e) => e.dealer_id === c.dealer_id);
      const user = entry === undefined ? undefined : users.get(entry.id);
      if (user === undefined) {
        problems.push("dealer");
      } else {
        userId = String(user["id"]);
        dealerId = user["parent_id"] === null ? userId : String(user["parent_id"]);
      }
    }

    const present = (value: number | null): boolean => value !== null && value !== 0;
    if (!present(c.date_installation) || !present(c.date_calibrate) || !present(c.date_expiry))
      problems.push("dates");

    if (problems.length > 0) {
      expectation.failed.set(c.id, problems[0] as string);
      continue;
    }

    const technicianFor = (legacyTechnician: number, user: GeneratedRow): ExpectedTechnician => {
      if (legacyTechnician !== 0) {
        const entry = technicianEntries.find((e) => e.old === legacyTechnician && technicianRows.has(e.id));
        if (entry !== undefined) return { id: entry.id };
      }
      const email = String(user["email"]).toLowerCase();
      const dealer = String(user["parent_id"] ?? user["id"]);
      const same = dataset.destination.technicians
        .filter((t) => String(t["email"]).toLowerCase() === email && String(t["dealer_id"]) === dealer)
        .map((t) => Number(t["id"]))
        .sort((a, b) => a - b);
      if (same.length > 0) return { id: String(same[0]) };
      expectation.createdTechnicians.add(`${email}|${dealer}`);
      return { create: `${email}|${dealer}` };
    };

    const cancelled = present(c.date_cancelation);
    let status = c.renewal_count < (maxRenewal.get(c.ecu.trim().toUpperCase()) ?? 0) ? "renewed" : "active";
    if (c.serialno === null) status = "nullified";
    if (cancelled) status = "cancelled";
    if (c.activstate === 0) status = "blocked";
    if (c.activstate === 0 && !cancelled) expectation.blockedDevices.add(deviceId as string);

    const words = c.vehicle_type.split(/\s+/).filter((w) => w !== "");
    const digits = c.speed.match(/\d+/);
    expectation.migrated.set(c.id, {
      serial_number: c.serialno === null ? null : String(c.serialno),
      status,
      device_id: deviceId as string,
      installation_date: utcText(c.date_installation as number),
      calibration_date: utcText(c.date_calibrate as number),
      expiry_date: utcText(c.date_expiry as number),
      cancelled,
      cancellation_date: cancelled ? utcText(c.date_cancelation as number) : null,
      installed_by: technicianFor(c.installer_technician_id, installer as GeneratedRow),
      calibrated_by: technicianFor(c.caliberater_technician_id, calibrator as GeneratedRow),
      installed_by_user_id: String((installer as GeneratedRow)["id"]),
      calibrated_by_user_id: String((calibrator as GeneratedRow)["id"]),
      dealer_id: dealerId as string,
      user_id: userId as string,
      installed_for_id: customerId,
      vehicle:
        words.length === 0
          ? null
          : {
              brand: words[0] as string,
              model: words.length === 1 ? (words[0] as string) : words.slice(1).join(" "),
              vehicle_no: c.vehicle_registration,
              vehicle_chassis_no: c.vehicle_chassis,
            },
      km_reading: c.kilometer ?? 0,
      speed_limit: digits === null ? 0 : Number(digits[0]),
      print_count: c.print_count,
      renewal_count: c.renewal_count,
      description: c.description,
      country_id: 231,
      created_at: utcText(c.date_calibrate as number),
    });
  }
  return expectation;
}
