import { classifyDbError, databaseError, isDriverError, type Logger } from "@certs/db";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { DataSource, QueryRunner } from "typeorm";
import type { SqlDialect } from "../schema/SqlDialect.js";
import { DestinationWriter, type ClaimedTechnician } from "./DestinationWriter.js";
import type { LegacyCertificate } from "./legacyCertificates.js";
import { identityOf, oneLine, type CertificateOutcome, type FailureSummary } from "./outcomes.js";
import {
  planCertificate,
  type CertificatePlan,
  type StepFailure,
  type TechnicianChoice,
} from "./planCertificate.js";
import { technicianKey, type ReferenceData } from "./referenceData.js";

/** What every group of certificates is migrated with. */
export interface GroupContext {
  readonly destination: DataSource;
  readonly dialect: SqlDialect;
  readonly references: ReferenceData;
  readonly runId: string;
  readonly countryId: number;
  readonly timeZone: string;
  readonly dryRun: boolean;
  readonly clock: () => Date;
  /** Legacy ids that have a failure row (cleared when they migrate). */
  readonly failedIds: Set<number>;
  readonly logger: Logger;
  /** How often a group is tried again after a deadlock, lock timeout or lost connection. */
  readonly maxAttempts: number;
}

/** What a group's transaction did. */
export interface GroupResult {
  readonly outcomes: CertificateOutcome[];
  /** Records not attempted because the run was cancelled part-way. */
  readonly unattempted: LegacyCertificate[];
}

/** Thrown inside a group when the ledger already has the certificate (a concurrent run migrated it). */
class AlreadyMigrated extends Error {}

/** A write that failed, with what it was doing (for the report's one-line message). */
class StageFailure extends Error {
  constructor(
    readonly stage: string,
    override readonly cause: unknown,
  ) {
    super(stage);
  }
}

/** A technician this transaction claimed (created or found through the claim table), remembered on commit. */
interface ClaimNote {
  readonly email: string;
  readonly dealerId: string;
  readonly technicianId: string;
}

interface CertificateWork {
  readonly outcome: CertificateOutcome;
  readonly claims: readonly ClaimNote[];
  readonly blockedDeviceEcu?: string;
}

function summarize(failure: StepFailure): FailureSummary {
  return { step: failure.step, code: failure.error.code, message: oneLine(failure.error.message) };
}

function writeError(error: unknown, what: string): AppError {
  if (isDriverError(error)) return databaseError(error, `could not ${what}`);
  return appError(
    ErrorCode.UNEXPECTED_ERROR,
    `could not ${what}: ${(error as Error).message ?? String(error)}`,
    {
      cause: error,
    },
  );
}

async function writePlan(
  writer: DestinationWriter,
  plan: CertificatePlan,
  context: GroupContext,
  now: Date,
): Promise<CertificateWork> {
  const claimed = new Map<string, ClaimedTechnician>();
  const claims: ClaimNote[] = [];
  let stage = "create a technician";
  const technicianFor = async (choice: TechnicianChoice): Promise<string> => {
    if (choice.kind === "existing") return choice.technicianId;
    const key = technicianKey(choice.user.email, choice.dealerId);
    let claim = claimed.get(key);
    if (claim === undefined) {
      claim = await writer.claimTechnician(choice, now);
      claimed.set(key, claim);
      claims.push({ email: choice.user.email, dealerId: choice.dealerId, technicianId: claim.technicianId });
    }
    return claim.technicianId;
  };
  try {
    const calibratedBy = await technicianFor(plan.calibrationTechnician);
    const installedBy = await technicianFor(plan.installationTechnician);
    stage = "block the device";
    if (plan.blockDevice) await writer.blockDevice(plan.deviceId);
    stage = "insert the vehicle";
    const vehicleId = plan.vehicle === null ? null : await writer.insertVehicle(plan.vehicle);
    stage = "insert the certificate";
    const certificateId = await writer.insertCertificate(plan, { vehicleId, installedBy, calibratedBy });
    stage = "link the vehicle to the certificate";
    if (vehicleId !== null) await writer.linkVehicle(vehicleId, certificateId);
    stage = "record the certificate in the ledger";
    try {
      await writer.insertLedgerEntry(
        {
          legacyCertificateId: plan.legacy.id,
          newCertificateId: certificateId,
          vehicleId,
          deviceId: plan.deviceId,
          customerId: plan.customerId,
          dealerId: plan.dealerId,
          technicianId: installedBy,
        },
        now,
      );
    } catch (error) {
      if (classifyDbError(error).kind === "unique_violation") throw new AlreadyMigrated();
      throw error;
    }
    if (context.failedIds.has(plan.legacy.id)) await writer.clearFailure(plan.legacy.id);
    return {
      outcome: {
        kind: "migrated",
        legacy: identityOf(plan.legacy),
        dryRun: context.dryRun,
        warnings: plan.warnings,
        certificate: {
          newCertificateId: certificateId,
          status: plan.status,
          deviceId: plan.deviceId,
          customerId: plan.customerId,
          vehicleId,
          dealerId: plan.dealerId,
          userId: plan.userId,
          dealerName: plan.dealerName,
          installationDate: plan.installationDate,
          calibrationDate: plan.calibrationDate,
          expiryDate: plan.expiryDate,
          cancellationDate: plan.cancellationDate,
          speedLimit: plan.speedLimit,
          oldCalibrationTechnicianId: plan.legacy.calibratorTechnicianId,
          newCalibrationTechnicianId: calibratedBy,
          oldInstallationTechnicianId: plan.legacy.installerTechnicianId,
          newInstallationTechnicianId: installedBy,
          createdTechnicianIds: [...claimed.values()].filter((c) => c.created).map((c) => c.technicianId),
        },
      },
      claims,
      ...(plan.blockDevice ? { blockedDeviceEcu: plan.legacy.ecu } : {}),
    };
  } catch (error) {
    if (error instanceof AlreadyMigrated) throw error;
    throw new StageFailure(stage, error);
  }
}

/**
 * Migrates one certificate inside the group's transaction, under a savepoint: a certificate that fails is
 * rolled back alone and its failure recorded, the others stay. Deadlocks, lock timeouts and lost connections
 * are rethrown so the whole group is tried again.
 */
async function migrateOne(
  writer: DestinationWriter,
  record: LegacyCertificate,
  context: GroupContext,
): Promise<CertificateWork> {
  const now = context.clock();
  const planned = planCertificate(record, context.references, context.timeZone);
  await writer.savepoint("certificate");
  try {
    if (!planned.ok) {
      const failures = planned.failures.map(summarize);
      const first = failures[0];
      if (first !== undefined) await writer.recordFailure(record.id, first, now);
      await writer.releaseSavepoint("certificate");
      return { outcome: { kind: "failed", legacy: identityOf(record), failures }, claims: [] };
    }
    const work = await writePlan(writer, planned.plan, context, now);
    await writer.releaseSavepoint("certificate");
    return work;
  } catch (error) {
    if (classifyDbError(error).retryable) throw error;
    await writer.rollbackToSavepoint("certificate");
    if (error instanceof AlreadyMigrated) {
      await writer.releaseSavepoint("certificate");
      return {
        outcome: { kind: "skipped", legacy: identityOf(record), reason: "already_migrated" },
        claims: [],
      };
    }
    const appErr =
      error instanceof StageFailure
        ? writeError(error.cause, error.stage)
        : writeError(error, "write the certificate");
    const summary: FailureSummary = { step: "write", code: appErr.code, message: oneLine(appErr.message) };
    context.logger.warn(
      { legacyId: record.id, code: appErr.code, message: appErr.message },
      "a certificate could not be written",
    );
    await writer.recordFailure(record.id, summary, now);
    await writer.releaseSavepoint("certificate");
    return { outcome: { kind: "failed", legacy: identityOf(record), failures: [summary] }, claims: [] };
  }
}

async function rollbackQuietly(runner: QueryRunner): Promise<void> {
  if (!runner.isTransactionActive) return;
  await runner.rollbackTransaction().catch(() => undefined);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Migrates a group of certificates in one destination transaction (READ COMMITTED), a savepoint per
 * certificate. Commits at the end (rolls back in a dry run), then updates the caches with what committed.
 * A deadlock, lock timeout or lost connection retries the whole group (up to `maxAttempts`); the ledger's
 * primary key makes a retry after an ambiguous commit harmless. If the run is cancelled, the certificates
 * not yet started are returned as unattempted and the finished ones are committed. Err only when the
 * destination keeps failing.
 */
export async function migrateGroup(
  context: GroupContext,
  records: readonly LegacyCertificate[],
  signal?: AbortSignal,
): Promise<Result<GroupResult>> {
  let lastError: unknown;
  const cancelled = (): boolean => signal?.aborted === true;
  for (let attempt = 1; attempt <= context.maxAttempts; attempt++) {
    if (cancelled()) return ok({ outcomes: [], unattempted: [...records] });
    const runner = context.destination.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction("READ COMMITTED");
      const writer = new DestinationWriter(runner, context.dialect, {
        runId: context.runId,
        countryId: context.countryId,
      });
      const work: CertificateWork[] = [];
      for (const record of records) {
        if (cancelled()) break;
        work.push(await migrateOne(writer, record, context));
      }
      if (context.dryRun) await runner.rollbackTransaction();
      else await runner.commitTransaction();
      if (!context.dryRun) applyCommitted(context, work);
      return ok({ outcomes: work.map((w) => w.outcome), unattempted: records.slice(work.length) });
    } catch (thrown) {
      const error = thrown instanceof StageFailure ? thrown.cause : thrown;
      lastError = error;
      await rollbackQuietly(runner);
      const verdict = classifyDbError(error);
      if (!verdict.retryable) {
        return err(writeError(error, "migrate a group of certificates in the destination database"));
      }
      context.logger.warn(
        { attempt, kind: verdict.kind, legacyIds: records.map((r) => r.id) },
        "a group of certificates is tried again",
      );
      await delay(Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random()));
    } finally {
      await runner.release().catch(() => undefined);
    }
  }
  return err(
    databaseError(lastError, `the destination database kept failing after ${context.maxAttempts} attempts`),
  );
}

function applyCommitted(context: GroupContext, work: readonly CertificateWork[]): void {
  for (const item of work) {
    for (const claim of item.claims) {
      context.references.rememberTechnician(claim.email, claim.dealerId, claim.technicianId);
    }
    if (item.blockedDeviceEcu !== undefined) {
      const device = context.references.device(item.blockedDeviceEcu);
      if (device !== undefined && device !== "ambiguous") device.blocked = true;
    }
    const legacyId = item.outcome.legacy.legacyId;
    if (item.outcome.kind === "migrated") context.failedIds.delete(legacyId);
    if (item.outcome.kind === "failed") context.failedIds.add(legacyId);
  }
}
