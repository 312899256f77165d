import { deviceBlockRequired } from "../rules/certificate-status.js";
import { sqlUtc } from "../rules/legacy-date.js";
import type { LegacyCertificate } from "../migration/legacy-certificates.js";
import type { CertificatePlan, PlanResult, TechnicianChoice } from "../migration/plan-certificate.js";
import { technicianKey } from "../migration/reference-data.js";
import type { Discrepancy, DiscrepancyKind } from "./discrepancy.js";

/** A value as compared: text, or null for SQL NULL (booleans as `true`/`false`). */
export type Text = string | null;

/** A destination certificate as stored. */
export interface StoredCertificate {
  readonly id: number;
  /** A column as text (null for NULL, and for a column that is not read). */
  column(name: string): Text;
  /** `email\0dealer` of the installing and calibrating technicians (null when the row is gone). */
  readonly installedByKey: Text;
  readonly calibratedByKey: Text;
}

/** A destination vehicle as stored. */
export interface StoredVehicle {
  readonly id: string;
  /** A column as text (null for NULL, and for a column that is not read). */
  column(name: string): Text;
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
     * for the technicians they created): a certificate migrated by such a run may use those. Called only
     * when `planned` does not explain a technician.
     */
    readonly laterRunPlan?: () => PlanResult;
  },
): Discrepancy[] {
  const found: Discrepancy[] = [];
  const certificate = stored.certificate;
  const certificateId = certificate?.id ?? stored.newCertificateId;
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
  const c = (name: string): Text => certificate.column(name);
  const certificateColumn = (name: string, value: Text): void => column("certificates", name, value, c(name));
  const calibration = sqlUtc(plan.calibrationDate);
  certificateColumn("serial_number", text(record.serialNumber));
  certificateColumn("status", plan.status);
  certificateColumn("device_id", plan.deviceId);
  certificateColumn("installation_date", sqlUtc(plan.installationDate));
  certificateColumn("calibration_date", calibration);
  certificateColumn("expiry_date", sqlUtc(plan.expiryDate));
  certificateColumn("cancelled", String(plan.cancelled));
  certificateColumn(
    "cancellation_date",
    plan.cancellationDate === null ? null : sqlUtc(plan.cancellationDate),
  );
  certificateColumn("installed_by_user_id", plan.installingUser.id);
  certificateColumn("calibrated_by_user_id", plan.calibratingUser.id);
  certificateColumn("dealer_id", plan.dealerId);
  certificateColumn("user_id", plan.userId);
  certificateColumn("installed_for_id", plan.customerId);
  certificateColumn("km_reading", String(plan.kmReading));
  certificateColumn("speed_limit", String(plan.speedLimit));
  certificateColumn("print_count", String(record.printCount));
  certificateColumn("renewal_count", String(record.renewalCount));
  certificateColumn("description", record.description);
  certificateColumn("country_id", String(settings.countryId));
  certificateColumn("created_at", calibration);
  certificateColumn("updated_at", calibration);

  // The technician's email and dealer key is read only for a technician to be created (matched by key).
  const matches = (choice: TechnicianChoice, id: Text, key: () => Text): boolean => {
    const want = technicianExpectation(choice);
    return want.id !== undefined ? want.id === id : want.key === key();
  };
  // Planned only for a technician this plan does not explain (rarely): a whole second plan per certificate
  // doubled the comparison's work.
  let later: PlanResult | undefined;
  const laterPlan = (): CertificatePlan | undefined => {
    later ??= settings.laterRunPlan?.();
    return later?.ok === true ? later.plan : undefined;
  };
  const technician = (
    name: string,
    choice: TechnicianChoice,
    key: () => Text,
    laterChoice: (plan: CertificatePlan) => TechnicianChoice,
  ): void => {
    const actual = c(name);
    if (matches(choice, actual, key)) return;
    const laterRun = laterPlan();
    if (laterRun !== undefined && matches(laterChoice(laterRun), actual, key)) return;
    const want = technicianExpectation(choice);
    if (want.id !== undefined) column("certificates", name, want.id, actual);
    else if (want.key !== undefined) {
      add(
        "column_differs",
        `certificates.${name} of legacy certificate ${record.id} is technician ${actual ?? "NULL"}, not one with the email and dealer of user ${choice.kind === "create" ? choice.user.id : "?"}.`,
        {
          table: "certificates",
          column: name,
          expected: want.key.replace("\u0000", " / "),
          actual: key()?.replace("\u0000", " / ") ?? null,
        },
      );
    }
  };
  technician(
    "installed_by_id",
    plan.installationTechnician,
    () => certificate.installedByKey,
    (p) => p.installationTechnician,
  );
  technician(
    "calibrated_by_id",
    plan.calibrationTechnician,
    () => certificate.calibratedByKey,
    (p) => p.calibrationTechnician,
  );

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
  const vehicleId = c("vehicle_id");
  if (plan.vehicle === null) {
    if (vehicleId !== null) {
      add(
        "unexpected_vehicle",
        `Certificate ${certificate.id} has vehicle ${vehicleId}, though legacy certificate ${record.id} has no vehicle type.`,
        {
          table: "certificates",
          column: "vehicle_id",
          actual: vehicleId,
        },
      );
    }
    return found;
  }
  if (vehicle === null) {
    add(
      "vehicle_missing",
      `Certificate ${certificate.id} (legacy ${record.id}) has no vehicle${vehicleId === null ? "" : ` (vehicle ${vehicleId} does not exist)`}; the rules give ${plan.vehicle.brand} ${plan.vehicle.model}.`,
      { table: "vehicles", column: "id", actual: vehicleId },
    );
    return found;
  }
  const vehicleColumn = (name: string, value: Text): void =>
    column("vehicles", name, value, vehicle.column(name));
  vehicleColumn("brand", plan.vehicle.brand);
  vehicleColumn("model", plan.vehicle.model);
  vehicleColumn("vehicle_no", plan.vehicle.vehicleNo);
  vehicleColumn("vehicle_chassis_no", plan.vehicle.chassisNo);
  vehicleColumn("new_registration", "false");
  vehicleColumn("certificate_id", String(certificate.id));
  return found;
}
