import type { CertificateStatus } from "../rules/certificate-status.js";
import type { LegacyCertificate } from "./legacy-certificates.js";
import type { MigrationStep } from "./plan-certificate.js";

/** How a certificate is recognised in reports: its legacy id, serial, ECU and customer. */
export interface LegacyIdentity {
  readonly legacyId: number;
  readonly serialNumber: number | null;
  readonly ecu: string;
  readonly legacyCustomerId: number | null;
}

/** The identity of a legacy record. */
export function identityOf(record: LegacyCertificate): LegacyIdentity {
  return {
    legacyId: record.id,
    serialNumber: record.serialNumber,
    ecu: record.ecu.trim(),
    legacyCustomerId: record.customerId,
  };
}

/** What a migrated certificate became. */
export interface MigratedCertificate {
  readonly newCertificateId: number;
  readonly status: CertificateStatus;
  readonly deviceId: string;
  readonly customerId: string | null;
  readonly vehicleId: string | null;
  readonly dealerId: string;
  readonly userId: string;
  readonly dealerName: string;
  readonly installationDate: Date;
  readonly calibrationDate: Date;
  readonly expiryDate: Date;
  readonly cancellationDate: Date | null;
  readonly speedLimit: number;
  readonly oldCalibrationTechnicianId: number;
  readonly newCalibrationTechnicianId: string;
  readonly oldInstallationTechnicianId: number;
  readonly newInstallationTechnicianId: string;
  /** Technicians this certificate's transaction created. */
  readonly createdTechnicianIds: readonly string[];
}

/** One failure, flattened for reports: the step, the error code and a one-line message. */
export interface FailureSummary {
  readonly step: MigrationStep;
  readonly code: string;
  readonly message: string;
}

/** What happened to one legacy certificate in a run. */
export type CertificateOutcome =
  | {
      readonly kind: "migrated";
      readonly legacy: LegacyIdentity;
      readonly certificate: MigratedCertificate;
      readonly warnings: readonly string[];
      /** True when the run was a dry run: the ids are those the rolled-back transaction produced. */
      readonly dryRun: boolean;
    }
  | { readonly kind: "failed"; readonly legacy: LegacyIdentity; readonly failures: readonly FailureSummary[] }
  | {
      readonly kind: "skipped";
      readonly legacy: LegacyIdentity;
      /** Already in the ledger (another run got there first), or skipped by the operator. */
      readonly reason: "already_migrated" | "skipped_by_user";
    };

/** A single line: messages from drivers may hold newlines, and report cells and logs must not. */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
