import { deviceBlockRequired } from "../rules/certificate-status.js";
import { sqlUtc } from "../rules/legacy-date.js";
import type { LegacyCertificate } from "../migration/legacy-certificates.js";
import type { PlanResult, TechnicianChoice } from "../migration/plan-certificate.js";
import { technicianKey } from "../migration/reference-data.js";
import type { Discrepancy, DiscrepancyKind } from "./discrepancy.js";

/** A value as compared: text, or null for SQL NULL (booleans as `true`/`false`). */
export type Text = string | null;

/** A destination certificate as stored, every column as text. */
export interface StoredCertificate {
  readonly id: number;
  readonly columns: Readonly<Record<string, Text>>;
  /** `email\0dealer` of the installing and calibrating technicians (null when the row is gone). */
  readonly installedByKey: Text;
  readonly calibratedByKey: Text;
}

/** A destination vehicle as stored, every column as text. */
export interface StoredVehicle {
  readonly id: string;
  readonly columns: Readonly<Record<string, Text>>;
}

/** A ledger row of the selection with the rows it points at. */
export interface StoredMigration {
  readonly legacyId: number;
  readonly newCertificateId: number | null;
  readonly source: string;
  readonly certificate: StoredCertificate | null;
  readonly vehicle: StoredVehicle | null;
}

function text(value: unknown): Text {
  return value === null || value === undefined ? null : String(value);
}

/** The technician column's expected value: the id of an existing one, or the key of one to be created. */
function technicianExpectation(choice: TechnicianChoice): { id?: string; key?: string } {
  if (choice.kind === "existing") return { id: choice.technicianId };
  return { key: technicianKey(choice.user.email, choice.dealerId) };
}

/**
 * Compares one migrated certificate with what the migration's rules give for its legacy record (the same
 * `planCertificate`): every column of the certificate and of its vehicle, its technicians and its device's
 * blocked flag. `planned` must come from the reference data as it was before the migration, except for the
 * technicians it created (which the `create` choices are matched against by email and dealer).
 */
export function compareCertificate(
  record: LegacyCertificate,
  planned: PlanResult,
  stored: StoredMigration,
  settings: {
    readonly countryId: number;
    readonly deviceBlocked: (deviceId: string) => boolean;
    /**
     * The plan with the technicians mapping as a later run reads it (with the entries earlier runs added
     * for the technicians they created): a certificate migrated by such a run may use those.
     */
    readonly laterRunPlan?: PlanResult;
  },
): Discrepancy[] {
  const found: Discrepancy[] = [];
  const certificateId = stored.certificate?.id ?? stored.newCertificateId;
  const add = (
    kind: DiscrepancyKind,
    message: string,
    fields: Partial<Pick<Discrepancy, "table" | "column" | "expected" | "actual">> = {},
  ): void => {
    found.push({
      kind,
      legacyId: record.id,
      certificateId,
      table: fields.table ?? null,
      column: fields.column ?? null,
      expected: fields.expected ?? null,
      actual: fields.actual ?? null,
      message,
    });
  };
  if (!planned.ok) {
    add(
      "not_migratable",
      `The ledger has legacy certificate ${record.id}, but the rules refuse it now: ${planned.failures.map((f) => f.error.message).join(" ")}`,
      { table: "legacy_migration_ledger" },
    );
    return found;
  }
  const certificate = stored.certificate;
  if (certificate === null) {
    add(
      "certificate_missing",
      `The ledger maps legacy certificate ${record.id} to certificate ${stored.newCertificateId ?? "(none)"}, which does not exist.`,
      { table: "certificates", expected: text(stored.newCertificateId) },
    );
    return found;
  }
  const plan = planned.plan;
  const column = (table: string, name: string, expected: Text, actual: Text): void => {
    if (expected === actual) return;
    add(
      "column_differs",
      `${table}.${name} of legacy certificate ${record.id} is ${actual ?? "NULL"}, the rules give ${expected ?? "NULL"}.`,
      {
        table,
        column: name,
        expected,
        actual,
      },
    );
  };
  const c = certificate.columns;
  const calibration = sqlUtc(plan.calibrationDate);
  const expected: ReadonlyArray<readonly [string, Text]> = [
    ["serial_number", text(record.serialNumber)],
    ["status", plan.status],
    ["device_id", plan.deviceId],
    ["installation_date", sqlUtc(plan.installationDate)],
    ["calibration_date", calibration],
    ["expiry_date", sqlUtc(plan.expiryDate)],
    ["cancelled", String(plan.cancelled)],
    ["cancellation_date", plan.cancellationDate === null ? null : sqlUtc(plan.cancellationDate)],
    ["installed_by_user_id", plan.installingUser.id],
    ["calibrated_by_user_id", plan.calibratingUser.id],
    ["dealer_id", plan.dealerId],
    ["user_id", plan.userId],
    ["installed_for_id", plan.customerId],
    ["km_reading", String(plan.kmReading)],
    ["speed_limit", String(plan.speedLimit)],
    ["print_count", String(record.printCount)],
    ["renewal_count", String(record.renewalCount)],
    ["description", record.description],
    ["country_id", String(settings.countryId)],
    ["created_at", calibration],
    ["updated_at", calibration],
  ];
  for (const [name, value] of expected) column("certificates", name, value, c[name] ?? null);

  const later = settings.laterRunPlan?.ok === true ? settings.laterRunPlan.plan : undefined;
  const matches = (choice: TechnicianChoice | undefined, id: Text, key: Text): boolean => {
    if (choice === undefined) return false;
    const want = technicianExpectation(choice);
    return want.id !== undefined ? want.id === id : want.key === key;
  };
  for (const [name, choice, key, laterChoice] of [
    [
      "installed_by_id",
      plan.installationTechnician,
      certificate.installedByKey,
      later?.installationTechnician,
    ],
    [
      "calibrated_by_id",
      plan.calibrationTechnician,
      certificate.calibratedByKey,
      later?.calibrationTechnician,
    ],
  ] as const) {
    if (matches(laterChoice, c[name] ?? null, key)) continue;
    const want = technicianExpectation(choice);
    if (want.id !== undefined) column("certificates", name, want.id, c[name] ?? null);
    else if (want.key !== undefined && want.key !== key) {
      add(
        "column_differs",
        `certificates.${name} of legacy certificate ${record.id} is technician ${c[name] ?? "NULL"}, not one with the email and dealer of user ${choice.kind === "create" ? choice.user.id : "?"}.`,
        {
          table: "certificates",
          column: name,
          expected: want.key.replace("\u0000", " / "),
          actual: key === null ? null : key.replace("\u0000", " / "),
        },
      );
    }
  }

  if (
    deviceBlockRequired({ activeState: record.activeState, cancelled: plan.cancelled, deviceFound: true }) &&
    !settings.deviceBlocked(plan.deviceId)
  ) {
    add(
      "device_not_blocked",
      `Device ${plan.deviceId} of inactive legacy certificate ${record.id} is not blocked.`,
      {
        table: "devices",
        column: "blocked",
        expected: "1",
        actual: "0",
      },
    );
  }

  const vehicle = stored.vehicle;
  if (plan.vehicle === null) {
    if (c["vehicle_id"] !== null && c["vehicle_id"] !== undefined) {
      add(
        "unexpected_vehicle",
        `Certificate ${certificate.id} has vehicle ${c["vehicle_id"]}, though legacy certificate ${record.id} has no vehicle type.`,
        {
          table: "certificates",
          column: "vehicle_id",
          actual: c["vehicle_id"],
        },
      );
    }
    return found;
  }
  if (vehicle === null) {
    add(
      "vehicle_missing",
      `Certificate ${certificate.id} (legacy ${record.id}) has no vehicle${c["vehicle_id"] == null ? "" : ` (vehicle ${c["vehicle_id"]} does not exist)`}; the rules give ${plan.vehicle.brand} ${plan.vehicle.model}.`,
      { table: "vehicles", column: "id", actual: c["vehicle_id"] ?? null },
    );
    return found;
  }
  const v = vehicle.columns;
  for (const [name, value] of [
    ["brand", plan.vehicle.brand],
    ["model", plan.vehicle.model],
    ["vehicle_no", plan.vehicle.vehicleNo],
    ["vehicle_chassis_no", plan.vehicle.chassisNo],
    ["new_registration", "false"],
    ["certificate_id", String(certificate.id)],
  ] as const) {
    column("vehicles", name, value, v[name] ?? null);
  }
  return found;
}
