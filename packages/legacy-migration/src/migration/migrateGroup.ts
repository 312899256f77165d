import { classifyDbError, databaseError, isDriverError, type Logger } from "@certs/db";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { DataSource, QueryRunner } from "typeorm";
import type { SqlDialect } from "../schema/SqlDialect.js";
import { DestinationWriter, type LedgerEntry } from "./DestinationWriter.js";
import type { LegacyCertificate } from "./legacyCertificates.js";
import { identityOf, oneLine, type CertificateOutcome, type FailureSummary } from "./outcomes.js";
import {
  planCertificate,
  type CertificatePlan,
  type PlanResult,
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
  /** How often a certificate is tried after a deadlock, lock timeout or lost connection (default 5). */
  readonly maxAttempts: number;
}

/** What a group's transaction did. */
export interface GroupResult {
  readonly outcomes: CertificateOutcome[];
  /** Records not attempted because the run was cancelled part-way. */
  readonly unattempted: LegacyCertificate[];
}

/** Thrown when the ledger already has a certificate of the group (a concurrent run migrated it). */
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

type CreateChoice = Extract<TechnicianChoice, { kind: "create" }>;

/** A technician claim held by the group's transaction. */
interface GroupClaim {
  readonly choice: CreateChoice;
  readonly owned: boolean;
  /** Null while owned and no certificate has created the technician yet. */
  technicianId: string | null;
}

interface CertificateWork {
  readonly outcome: CertificateOutcome;
  readonly blockedDeviceEcu?: string;
  /** The ledger row, written for the whole group at its end. */
  readonly ledgerEntry?: LedgerEntry;
}

function summarize(failure: StepFailure): FailureSummary {
  return { step: failure.step, code: failure.error.code, message: oneLine(failure.error.message) };
}

function writeError(error: unknown, what: string): AppError {
  if (isDriverError(error)) return databaseError(error, `could not ${what}`);
  const message = error instanceof Error ? error.message : String(error);
  return appError(ErrorCode.UNEXPECTED_ERROR, `could not ${what}: ${message}`, { cause: error });
}

function createChoices(plan: CertificatePlan): CreateChoice[] {
  return [plan.calibrationTechnician, plan.installationTechnician].filter(
    (choice): choice is CreateChoice => choice.kind === "create",
  );
}

/**
 * Takes the claims of every technician the group may create, in key order: transactions that need the same
 * new technicians then always wait for each other in the same order, so they never deadlock on them.
 */
async function claimTechnicians(
  writer: DestinationWriter,
  plans: readonly PlanResult[],
  now: Date,
): Promise<Map<string, GroupClaim>> {
  const wanted = new Map<string, CreateChoice>();
  for (const planned of plans) {
    if (!planned.ok) continue;
    for (const choice of createChoices(planned.plan)) {
      const key = technicianKey(choice.user.email, choice.dealerId);
      if (!wanted.has(key)) wanted.set(key, choice);
    }
  }
  const claims = new Map<string, GroupClaim>();
  for (const key of [...wanted.keys()].sort()) {
    const choice = wanted.get(key) as CreateChoice;
    const claim = await writer.claimTechnician(choice, now);
    claims.set(key, { choice, ...claim });
  }
  return claims;
}

async function writePlan(
  writer: DestinationWriter,
  plan: CertificatePlan,
  claims: Map<string, GroupClaim>,
  context: GroupContext,
  now: Date,
): Promise<{ work: CertificateWork; created: Map<string, string> }> {
  // Technicians this certificate creates; they join the group's claims only if the certificate commits.
  const created = new Map<string, string>();
  let stage = "create a technician";
  const technicianFor = async (choice: TechnicianChoice): Promise<string> => {
    if (choice.kind === "existing") return choice.technicianId;
    const key = technicianKey(choice.user.email, choice.dealerId);
    const claim = claims.get(key);
    if (claim === undefined) throw new Error(`no claim was taken for the technician ${choice.user.email}`);
    const known = claim.technicianId ?? created.get(key);
    if (known !== undefined && known !== null) return known;
    const technicianId = await writer.createTechnician(choice, now);
    created.set(key, technicianId);
    return technicianId;
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
    const work: CertificateWork = {
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
          createdTechnicianIds: [...created.values()],
        },
      },
      ...(plan.blockDevice ? { blockedDeviceEcu: plan.legacy.ecu } : {}),
      ledgerEntry: {
        legacyCertificateId: plan.legacy.id,
        newCertificateId: certificateId,
        vehicleId,
        deviceId: plan.deviceId,
        customerId: plan.customerId,
        dealerId: plan.dealerId,
        technicianId: installedBy,
      },
    };
    return { work, created };
  } catch (error) {
    throw new StageFailure(stage, error);
  }
}

/**
 * Migrates one certificate inside the group's transaction, under a savepoint: a certificate that fails is
 * rolled back alone and its failure recorded, the others stay. Deadlocks, lock timeouts and lost connections
 * are rethrown so the group is tried again.
 */
async function migrateOne(
  writer: DestinationWriter,
  planned: PlanResult,
  record: LegacyCertificate,
  claims: Map<string, GroupClaim>,
  context: GroupContext,
  now: Date,
): Promise<CertificateWork> {
  await writer.savepoint("certificate");
  try {
    if (!planned.ok) {
      const failures = planned.failures.map(summarize);
      const first = failures[0];
      if (first !== undefined) await writer.recordFailure(record.id, first, now);
      await writer.releaseSavepoint("certificate");
      return { outcome: { kind: "failed", legacy: identityOf(record), failures } };
    }
    const { work, created } = await writePlan(writer, planned.plan, claims, context, now);
    await writer.releaseSavepoint("certificate");
    for (const [key, technicianId] of created) {
      const claim = claims.get(key);
      if (claim !== undefined) claim.technicianId = technicianId;
    }
    return work;
  } catch (error) {
    if (classifyDbError(error).retryable) throw error;
    await writer.rollbackToSavepoint("certificate");
    const appErr =
      error instanceof StageFailure
        ? writeError(error.cause, error.stage)
        : writeError(error, "write the certificate");
    const summary: FailureSummary = { step: "write", code: appErr.code, message: oneLine(appErr.message) };
    context.logger.warn(
      { legacyId: record.id, code: appErr.code, message: appErr.message },
      "a certificate failed",
    );
    await writer.recordFailure(record.id, summary, now);
    await writer.releaseSavepoint("certificate");
    return { outcome: { kind: "failed", legacy: identityOf(record), failures: [summary] } };
  }
}

/**
 * What every certificate of the group shares, one statement each: vehicle links, ledger rows, cleared
 * failures, and giving up claims whose technicians no certificate created. A ledger row that already
 * exists (a concurrent run migrated that certificate) is {@link AlreadyMigrated}.
 */
async function finishGroup(
  writer: DestinationWriter,
  work: readonly CertificateWork[],
  claims: Map<string, GroupClaim>,
  context: GroupContext,
  now: Date,
): Promise<void> {
  const entries = work.flatMap((w) => (w.ledgerEntry === undefined ? [] : [w.ledgerEntry]));
  await writer.linkVehicles(
    entries.flatMap((e) =>
      e.vehicleId === null ? [] : [{ vehicleId: e.vehicleId, certificateId: e.newCertificateId }],
    ),
  );
  try {
    await writer.insertLedgerEntries(entries, now);
  } catch (error) {
    if (classifyDbError(error).kind === "unique_violation") throw new AlreadyMigrated();
    throw error;
  }
  await writer.clearFailures(
    entries.map((e) => e.legacyCertificateId).filter((id) => context.failedIds.has(id)),
  );
  for (const claim of claims.values()) {
    if (claim.owned && claim.technicianId === null)
      await writer.releaseClaim(claim.choice.user.email, claim.choice.dealerId);
  }
}

/** The group's transaction, once: claims, then a savepoint per certificate, then commit (or rollback). */
async function runGroupOnce(
  context: GroupContext,
  records: readonly LegacyCertificate[],
  cancelled: () => boolean,
): Promise<{ work: CertificateWork[]; claims: Map<string, GroupClaim> }> {
  const runner = context.destination.createQueryRunner();
  try {
    await runner.connect();
    await runner.startTransaction("READ COMMITTED");
    const writer = new DestinationWriter(runner, context.dialect, {
      runId: context.runId,
      countryId: context.countryId,
    });
    const now = context.clock();
    const plans = records.map((record) => planCertificate(record, context.references, context.timeZone));
    const claims = await claimTechnicians(writer, plans, now);
    const work: CertificateWork[] = [];
    for (const [index, record] of records.entries()) {
      if (cancelled()) break;
      work.push(await migrateOne(writer, plans[index] as PlanResult, record, claims, context, now));
    }
    await finishGroup(writer, work, claims, context, now);
    if (context.dryRun) await runner.rollbackTransaction();
    else await runner.commitTransaction();
    return { work, claims };
  } catch (error) {
    await rollbackQuietly(runner);
    throw error instanceof StageFailure ? error.cause : error;
  } finally {
    await runner.release().catch(() => undefined);
  }
}

async function rollbackQuietly(runner: QueryRunner): Promise<void> {
  if (!runner.isTransactionActive) return;
  await runner.rollbackTransaction().catch(() => undefined);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Updates the caches with what a committed transaction did. */
function applyCommitted(
  context: GroupContext,
  result: { work: CertificateWork[]; claims: Map<string, GroupClaim> },
): void {
  if (context.dryRun) return;
  for (const claim of result.claims.values()) {
    if (claim.technicianId !== null) {
      context.references.rememberTechnician(
        claim.choice.user.email,
        claim.choice.dealerId,
        claim.technicianId,
      );
    }
  }
  for (const item of result.work) {
    if (item.blockedDeviceEcu !== undefined) {
      const device = context.references.device(item.blockedDeviceEcu);
      if (device !== undefined && device !== "ambiguous") device.blocked = true;
    }
    const legacyId = item.outcome.legacy.legacyId;
    if (item.outcome.kind === "migrated") context.failedIds.delete(legacyId);
    if (item.outcome.kind === "failed") context.failedIds.add(legacyId);
  }
}

/** One certificate at a time, each tried up to `maxAttempts` times; err when the destination keeps failing. */
async function migrateOneByOne(
  context: GroupContext,
  records: readonly LegacyCertificate[],
  cancelled: () => boolean,
): Promise<Result<GroupResult>> {
  const outcomes: CertificateOutcome[] = [];
  for (const [index, record] of records.entries()) {
    let lastError: unknown;
    let done = false;
    for (let attempt = 1; attempt <= context.maxAttempts && !done; attempt++) {
      if (cancelled()) return ok({ outcomes, unattempted: records.slice(index) });
      try {
        const result = await runGroupOnce(context, [record], cancelled);
        applyCommitted(context, result);
        outcomes.push(...result.work.map((w) => w.outcome));
        done = true;
      } catch (error) {
        if (error instanceof AlreadyMigrated) {
          // A concurrent run migrated it first: this transaction rolled back, nothing of it remains.
          outcomes.push({ kind: "skipped", legacy: identityOf(record), reason: "already_migrated" });
          done = true;
          continue;
        }
        lastError = error;
        const verdict = classifyDbError(error);
        if (!verdict.retryable) {
          return err(writeError(error, "migrate a certificate in the destination database"));
        }
        context.logger.warn(
          { attempt, kind: verdict.kind, legacyId: record.id },
          "a certificate is tried again",
        );
        await delay(Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
    if (!done) {
      return err(
        databaseError(
          lastError,
          `the destination database kept failing after ${context.maxAttempts} attempts`,
        ),
      );
    }
  }
  return ok({ outcomes, unattempted: [] });
}

/**
 * Migrates a group of certificates in one destination transaction (READ COMMITTED): first the claims of
 * the technicians it may create, in key order; then a savepoint per certificate. Commits at the end (rolls
 * back in a dry run) and then updates the caches. If the transaction hits a deadlock, lock timeout or lost
 * connection, the group's certificates are migrated again one per transaction, each retried with backoff;
 * the ledger's primary key makes a retry after an ambiguous commit harmless. If the run is cancelled, the
 * certificates not started are returned as unattempted and the finished ones commit. Err only when the
 * destination keeps failing or fails in a way no retry can fix.
 */
export async function migrateGroup(
  context: GroupContext,
  records: readonly LegacyCertificate[],
  signal?: AbortSignal,
): Promise<Result<GroupResult>> {
  const cancelled = (): boolean => signal?.aborted === true;
  if (cancelled()) return ok({ outcomes: [], unattempted: [...records] });
  if (records.length === 1) return migrateOneByOne(context, records, cancelled);
  try {
    const result = await runGroupOnce(context, records, cancelled);
    applyCommitted(context, result);
    return ok({
      outcomes: result.work.map((w) => w.outcome),
      unattempted: records.slice(result.work.length),
    });
  } catch (error) {
    const verdict = classifyDbError(error);
    // A ledger conflict means another run took some of these: redo them one by one to find which.
    if (!verdict.retryable && !(error instanceof AlreadyMigrated)) {
      return err(writeError(error, "migrate a group of certificates in the destination database"));
    }
    context.logger.warn(
      { kind: verdict.kind, legacyIds: records.map((r) => r.id) },
      "a group of certificates is migrated again one at a time",
    );
    return migrateOneByOne(context, records, cancelled);
  }
}
