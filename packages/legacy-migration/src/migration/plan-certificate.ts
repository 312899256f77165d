import { appError, ErrorCode, type AppError } from "@certs/result";
import {
  certificateStatus,
  deviceBlockRequired,
  type CertificateStatus,
} from "../rules/certificate-status.js";
import { trimEcu } from "../rules/ecu.js";
import { legacyDateToUtc } from "../rules/legacy-date.js";
import { parseSpeedLimit } from "../rules/speed-limit.js";
import { splitVehicleType } from "../rules/vehicle-type.js";
import type { LegacyCertificate, LegacyDateValue } from "./legacy-certificates.js";
import type { DestinationUser, ReferenceData } from "./reference-data.js";

/** The step of the migration a failure belongs to (shown in the report). */
export type MigrationStep =
  | "device"
  | "customer"
  | "calibrating user"
  | "installing user"
  | "calibration technician"
  | "installation technician"
  | "dealer"
  | "dates"
  | "write";

/** One reason a certificate cannot be migrated. */
export interface StepFailure {
  readonly step: MigrationStep;
  readonly error: AppError;
}

/** How a role's technician is found: an existing row, or one to create from the role's user. */
export type TechnicianChoice =
  | { readonly kind: "existing"; readonly technicianId: string; readonly via: "mapping" | "email" }
  | {
      readonly kind: "create";
      readonly user: DestinationUser;
      /** The dealer the technician belongs to: the user's parent account, or the user itself. */
      readonly dealerId: string;
      /** The legacy technician id the record named (0 = none), kept in the technicians mapping. */
      readonly legacyTechnicianId: number;
    };

/** The vehicle a certificate creates. */
export interface VehiclePlan {
  readonly brand: string;
  readonly model: string;
  readonly vehicleNo: string;
  readonly chassisNo: string;
}

/** Everything one legacy certificate becomes in the destination, decided before any write. */
export interface CertificatePlan {
  readonly legacy: LegacyCertificate;
  readonly deviceId: string;
  /** Set the device's `blocked` flag in the certificate's transaction. */
  readonly blockDevice: boolean;
  readonly customerId: string | null;
  readonly installingUser: DestinationUser;
  readonly calibratingUser: DestinationUser;
  readonly installationTechnician: TechnicianChoice;
  readonly calibrationTechnician: TechnicianChoice;
  readonly dealerId: string;
  readonly userId: string;
  /** The name of the user the dealer rule found (the report's `dealer_name`). */
  readonly dealerName: string;
  readonly vehicle: VehiclePlan | null;
  readonly status: CertificateStatus;
  readonly cancelled: boolean;
  readonly installationDate: Date;
  readonly calibrationDate: Date;
  readonly expiryDate: Date;
  readonly cancellationDate: Date | null;
  readonly speedLimit: number;
  readonly kmReading: number;
  readonly warnings: readonly string[];
}

/** A plan, or every reason there cannot be one (they accumulate, as the original's errors did). */
export type PlanResult =
  | { readonly ok: true; readonly plan: CertificatePlan }
  | { readonly ok: false; readonly failures: readonly StepFailure[] };

function mappingError(message: string, details?: Record<string, unknown>): AppError {
  return appError(ErrorCode.MAPPING_ERROR, message, details === undefined ? undefined : { details });
}

type Role = "calibrating" | "installing";
const USER_COLUMN: Record<Role, string> = {
  calibrating: "calibrater_user_id",
  installing: "installer_user_id",
};

function resolveUser(
  role: Role,
  legacyUserId: number,
  references: ReferenceData,
): { user: DestinationUser } | { error: AppError } {
  const mapping = references.userMappingOf(legacyUserId);
  if (mapping === undefined) {
    return {
      error: mappingError(
        `Mapping for ${USER_COLUMN[role]} ${legacyUserId} not found: no user_mappings.json entry has old_user_id ${legacyUserId}.`,
      ),
    };
  }
  const user = references.user(mapping.userId);
  if (user === undefined) {
    return {
      error: mappingError(
        `The ${role} user ${legacyUserId} maps to destination user ${mapping.userId}, which does not exist.`,
      ),
    };
  }
  return { user };
}

/**
 * The technician rule for one role: technician id 0 means none was recorded. (1) the first
 * technicians_mapping.json entry for the legacy technician whose row exists; (2) a technician with the mapped
 * user's email in the user's dealer; (3) otherwise one is created from the user.
 */
function chooseTechnician(
  legacyTechnicianId: number,
  user: DestinationUser,
  references: ReferenceData,
): TechnicianChoice {
  if (legacyTechnicianId !== 0) {
    const mapped = references.mappedTechnician(legacyTechnicianId);
    if (mapped !== undefined) return { kind: "existing", technicianId: mapped, via: "mapping" };
  }
  const dealerId = user.parentId ?? user.id;
  const byEmail = references.technicianByEmail(user.email, dealerId);
  if (byEmail !== undefined) return { kind: "existing", technicianId: byEmail, via: "email" };
  return { kind: "create", user, dealerId, legacyTechnicianId };
}

function convertDate(
  column: string,
  value: LegacyDateValue,
  zone: string,
  required: boolean,
  failures: StepFailure[],
): Date | null {
  const converted = legacyDateToUtc(value.raw, value.kind, zone);
  if (!converted.ok) {
    failures.push({
      step: "dates",
      error: appError(ErrorCode.VALIDATION_ERROR, `${column} ${converted.error.message}`, {
        cause: converted.error,
      }),
    });
    return null;
  }
  if (converted.value === null && required) {
    failures.push({
      step: "dates",
      error: appError(
        ErrorCode.VALIDATION_ERROR,
        `${column} is missing, and the destination requires it; fill it in the legacy record.`,
      ),
    });
  }
  return converted.value;
}

/**
 * Applies every rule to one legacy certificate without touching a database: device, customer, users,
 * technicians, dealer, vehicle, status and dates. All problems are collected, so the report lists them
 * together; a certificate with any problem is not written at all.
 */
export function planCertificate(
  record: LegacyCertificate,
  references: ReferenceData,
  zone: string,
): PlanResult {
  const failures: StepFailure[] = [];
  const warnings: string[] = [];

  // 1. Device.
  const device = references.device(record.ecu);
  if (device === undefined || device === "ambiguous") {
    failures.push({
      step: "device",
      error: mappingError(
        device === undefined
          ? `Device not found: no destination device has ECU number '${trimEcu(record.ecu)}'; migrate the device first.`
          : `Device not found: several destination devices match ECU number '${trimEcu(record.ecu)}' when case is ignored.`,
      ),
    });
  }

  // 2. Customer.
  let customerId: string | null = null;
  if (record.customerId !== null) {
    const mapped = references.mappedCustomer(record.customerId);
    if (record.customerId === 0) {
      failures.push({
        step: "customer",
        error: mappingError("Customer not found: the record's customer id is 0."),
      });
    } else if (mapped === undefined || mapped === "0") {
      failures.push({
        step: "customer",
        error: mappingError(
          `Customer not found: customer ${record.customerId} has ${mapped === undefined ? "no entry" : "the entry 0"} in customer_mappings.json; migrate the customer first.`,
        ),
      });
    } else if (!references.customerExists(mapped)) {
      failures.push({
        step: "customer",
        error: mappingError(
          `Customer not found: customer ${record.customerId} maps to destination customer ${mapped}, which does not exist.`,
        ),
      });
    } else {
      customerId = mapped;
    }
  }

  // 3. Users and technicians, per role.
  const calibrating = resolveUser("calibrating", record.calibratorUserId, references);
  if ("error" in calibrating) failures.push({ step: "calibrating user", error: calibrating.error });
  const installing = resolveUser("installing", record.installerUserId, references);
  if ("error" in installing) failures.push({ step: "installing user", error: installing.error });
  const calibrationTechnician =
    "user" in calibrating
      ? chooseTechnician(record.calibratorTechnicianId, calibrating.user, references)
      : undefined;
  const installationTechnician =
    "user" in installing
      ? chooseTechnician(record.installerTechnicianId, installing.user, references)
      : undefined;

  // 4. Dealer.
  let dealer: { dealerId: string; userId: string; name: string } | undefined;
  if (record.dealerId === null || record.dealerId === 0) {
    failures.push({ step: "dealer", error: mappingError("No dealer id found in record.") });
  } else {
    const mapping = references.dealerMappingOf(record.dealerId);
    const user = mapping === undefined ? undefined : references.user(mapping.userId);
    if (mapping === undefined) {
      failures.push({
        step: "dealer",
        error: mappingError(
          `No matching dealer mapping found for dealer id ${record.dealerId} in user_mappings.json; migrate the dealer's users first.`,
        ),
      });
    } else if (user === undefined) {
      failures.push({
        step: "dealer",
        error: mappingError(
          `Dealer lookup error: dealer ${record.dealerId} maps to destination user ${mapping.userId}, which does not exist.`,
        ),
      });
    } else {
      dealer = { dealerId: user.parentId ?? user.id, userId: user.id, name: user.name };
    }
  }

  // 5. Dates (required ones must exist before anything is written).
  const installationDate = convertDate("date_installation", record.installationDate, zone, true, failures);
  const calibrationDate = convertDate("date_calibrate", record.calibrationDate, zone, true, failures);
  const expiryDate = convertDate("date_expiry", record.expiryDate, zone, true, failures);
  const cancellationDate = convertDate("date_cancelation", record.cancellationDate, zone, false, failures);

  if (
    failures.length > 0 ||
    device === undefined ||
    device === "ambiguous" ||
    !("user" in calibrating) ||
    !("user" in installing) ||
    calibrationTechnician === undefined ||
    installationTechnician === undefined ||
    dealer === undefined ||
    installationDate === null ||
    calibrationDate === null ||
    expiryDate === null
  ) {
    return { ok: false, failures };
  }

  // 6. Vehicle, status, speed.
  const make = splitVehicleType(record.vehicleType);
  const vehicle =
    make === undefined
      ? null
      : { ...make, vehicleNo: record.vehicleRegistration, chassisNo: record.vehicleChassis };
  if (make === undefined) warnings.push("vehicle_type is empty, so no vehicle was created");
  const cancelled = cancellationDate !== null;
  const status = certificateStatus({
    renewalCount: record.renewalCount,
    maxRenewalCountForEcu: device.maxRenewalCount,
    serialNumber: record.serialNumber,
    cancelled,
    activeState: record.activeState,
  });
  const speed = parseSpeedLimit(record.speed);
  if (speed.warning !== undefined) warnings.push(speed.warning);

  return {
    ok: true,
    plan: {
      legacy: record,
      deviceId: device.id,
      blockDevice:
        deviceBlockRequired({ activeState: record.activeState, cancelled, deviceFound: true }) &&
        !device.blocked,
      customerId,
      installingUser: installing.user,
      calibratingUser: calibrating.user,
      installationTechnician,
      calibrationTechnician,
      dealerId: dealer.dealerId,
      userId: dealer.userId,
      dealerName: dealer.name,
      vehicle,
      status,
      cancelled,
      installationDate,
      calibrationDate,
      expiryDate,
      cancellationDate,
      speedLimit: speed.value,
      kmReading: record.kilometer ?? 0,
      warnings,
    },
  };
}
