import { classifyDbError, databaseError, isDriverError, transaction, type Logger } from "@certs/db";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import type { DataSource, QueryRunner } from "typeorm";
import type { SqlDialect } from "../schema/sql-dialect.js";
import {
  DestinationWriter,
  type CertificateLinks,
  type LedgerEntry,
  type RecordedFailure,
} from "./destination-writer.js";
import type { LegacyCertificate } from "./legacy-certificates.js";
import { identityOf, oneLine, type CertificateOutcome, type FailureSummary } from "./outcomes.js";
import {
  planCertificate,
  type CertificatePlan,
  type PlanResult,
  type StepFailure,
  type TechnicianChoice,
} from "./plan-certificate.js";
import { technicianKey, type ReferenceData } from "./reference-data.js";

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
  readonly logger: Logger;
  /** How often a certificate is tried after a deadlock, lock timeout or lost connection (default 5). */
  readonly maxAttempts: number;
  /**
   * Whether the destination has `INSERT … RETURNING`: then a group's vehicles and certificates are written
   * a multi-row statement each, and a savepoint per certificate is only the fallback when one fails.
   */
  readonly multiRowInserts: boolean;
  /** Legacy ids whose failure rows the pages read so far had: only theirs are deleted when they migrate. */
  readonly recordedFailures: Set<number>;
}

/** What a group's transaction did. */
export interface GroupResult {
  readonly outcomes: CertificateOutcome[];
  /** Records not attempted because the run was cancelled part-way. */
  readonly unattempted: LegacyCertificate[];
}

/** Thrown when the ledger already has a certificate of the group (a concurrent run migrated it). */
class AlreadyMigrated extends Error {}

/** Thrown when a multi-row statement refused the group: it is written again, a savepoint per certificate. */
class BatchRefused extends Error {}

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
  /** The failure row, written for the whole group at its end. */
  readonly failure?: RecordedFailure;
}

/** Rows per multi-row INSERT: 27 columns each stays far below PostgreSQL's 65,535 parameters. */
const MAX_ROWS_PER_INSERT = 1000;

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
  const keys = [...wanted.keys()].sort();
  const choices = keys.map((key) => wanted.get(key) as CreateChoice);
  const taken = await writer.claimTechnicians(choices, now);
  const claims = new Map<string, GroupClaim>();
  keys.forEach((key, i) => {
    const claim = taken[i] as { owned: boolean; technicianId: string | null };
    claims.set(key, { choice: choices[i] as CreateChoice, ...claim });
  });
  return claims;
}

/** What a certificate that was written becomes: its outcome and its ledger row. */
function migratedWork(
  plan: CertificatePlan,
  written: CertificateLinks & { readonly certificateId: number },
  created: readonly string[],
  context: GroupContext,
): CertificateWork {
  const { certificateId, vehicleId, installedBy, calibratedBy } = written;
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
        createdTechnicianIds: created,
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
}

/** The failed outcome of a record and its failure row. */
function failedWork(record: LegacyCertificate, failures: readonly FailureSummary[]): CertificateWork {
  const first = failures[0];
  return {
    outcome: { kind: "failed", legacy: identityOf(record), failures },
    ...(first === undefined ? {} : { failure: { legacyCertificateId: record.id, ...first } }),
  };
}

/** The technician a choice names without creating one: existing, or created under a claim already. */
function knownTechnician(choice: TechnicianChoice, claims: Map<string, GroupClaim>): string | null {
  if (choice.kind === "existing") return choice.technicianId;
  return claims.get(technicianKey(choice.user.email, choice.dealerId))?.technicianId ?? null;
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
    const work = migratedWork(
      plan,
      { certificateId, vehicleId, installedBy, calibratedBy },
      [...created.values()],
      context,
    );
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
      await writer.releaseSavepoint("certificate");
      return failedWork(record, planned.failures.map(summarize));
    }
    const { work, created } = await writePlan(writer, planned.plan, claims, context, now);
    await writer.releaseSavepoint("certificate");
    for (const [key, technicianId] of created) {
      const claim = claims.get(key);
      if (claim !== undefined) claim.technicianId = technicianId;
    }
    return work;
  } catch (error) {
    const verdict = classifyDbError(error);
    if (verdict.retryable) throw error;
    await writer.rollbackToSavepoint("certificate");
    // A taken unique key (a serial) of a certificate another run has in its committed ledger is that run's.
    if (verdict.kind === "unique_violation" && (await writer.ledgerHas(record.id))) {
      await writer.releaseSavepoint("certificate");
      return {
        outcome: { kind: "skipped", legacy: identityOf(record), reason: "already_migrated" },
      };
    }
    const appErr =
      error instanceof StageFailure
        ? writeError(error.cause, error.stage)
        : writeError(error, "write the certificate");
    const summary: FailureSummary = { step: "write", code: appErr.code, message: oneLine(appErr.message) };
    context.logger.warn(
      { legacyId: record.id, code: appErr.code, message: appErr.message },
      "a certificate failed",
    );
    await writer.releaseSavepoint("certificate");
    return failedWork(record, [summary]);
  }
}

/**
 * What every certificate of the group shares, one statement each: vehicle links, ledger rows, cleared
 * failures, new failures, and giving up claims whose technicians no certificate created. A ledger row that already
 * exists (a concurrent run migrated that certificate) is {@link AlreadyMigrated}.
 */
async function finishGroup(
  writer: DestinationWriter,
  work: readonly CertificateWork[],
  claims: Map<string, GroupClaim>,
  recordedFailures: ReadonlySet<number>,
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
  // The failure rows the pages saw go with their certificates; one a concurrent run writes meanwhile goes at
  // the end of the run (clearFailuresOfMigrated).
  await writer.clearFailures(
    entries.filter((e) => recordedFailures.has(e.legacyCertificateId)).map((e) => e.legacyCertificateId),
  );
  await writer.recordFailures(
    work.flatMap((w) => (w.failure === undefined ? [] : [w.failure])),
    now,
  );
  for (const claim of claims.values()) {
    if (claim.owned && claim.technicianId === null)
      await writer.releaseClaim(claim.choice.user.email, claim.choice.dealerId);
  }
}

/** What a group's transaction did: each record's work, and the technician claims it held. */
interface GroupWork {
  readonly work: CertificateWork[];
  readonly claims: Map<string, GroupClaim>;
}

/**
 * The group's transaction, once: in bulk ({@link writeGroupInBulk}) where the server has multi-row
 * `INSERT … RETURNING` and not `careful`, else a savepoint per certificate ({@link writeGroup}); then commit
 * (or rollback in a dry run). Err with {@link AlreadyMigrated} when the ledger already has one of them,
 * {@link BatchRefused} when a bulk statement failed, else a DATABASE_ERROR from the transaction
 * (classified, so the caller can tell a retryable failure).
 */
async function runGroupOnce(
  context: GroupContext,
  records: readonly LegacyCertificate[],
  cancelled: () => boolean,
  careful = false,
): Promise<Result<GroupWork, AlreadyMigrated | BatchRefused | AppError>> {
  return transaction(
    context.destination,
    async (_manager, runner): Promise<Result<GroupWork, AlreadyMigrated | BatchRefused>> => {
      try {
        const write = context.multiRowInserts && !careful ? writeGroupInBulk : writeGroup;
        return ok(await write(runner, context, records, cancelled));
      } catch (error) {
        if (error instanceof AlreadyMigrated || error instanceof BatchRefused) return err(error);
        // The driver's error, which the transaction classifies and rolls back on.
        throw error instanceof StageFailure ? error.cause : error;
      }
    },
    { isolation: "READ COMMITTED", dryRun: context.dryRun },
  );
}

/**
 * The group in a handful of statements: the technician claims, the technicians it owns, the device blocks,
 * the vehicles, the certificates, then what they share. Any statement that fails for a reason other than a
 * deadlock, lock timeout or lost connection is {@link BatchRefused}: the transaction rolls back and the group
 * is written again by {@link writeGroup}, a savepoint per certificate, so only the bad records fail.
 */
async function writeGroupInBulk(
  runner: QueryRunner,
  context: GroupContext,
  records: readonly LegacyCertificate[],
  cancelled: () => boolean,
): Promise<GroupWork> {
  const writer = new DestinationWriter(runner, context.dialect, {
    runId: context.runId,
    countryId: context.countryId,
  });
  const now = context.clock();
  if (cancelled()) return { work: [], claims: new Map() };
  const plans = records.map((record) => planCertificate(record, context.references, context.timeZone));
  try {
    const claims = await claimTechnicians(writer, plans, now);
    const owned = [...claims.values()].filter((claim) => claim.owned && claim.technicianId === null);
    const created = await writer.createTechnicians(
      owned.map((claim) => claim.choice),
      now,
    );
    owned.forEach((claim, i) => (claim.technicianId = created[i] as string));
    const work: CertificateWork[] = [];
    const batch: Array<{ index: number; plan: CertificatePlan }> = [];
    for (const [index, record] of records.entries()) {
      const planned = plans[index] as PlanResult;
      if (planned.ok) batch.push({ index, plan: planned.plan });
      else work[index] = failedWork(record, planned.failures.map(summarize));
    }
    // Each created technician is listed with the first certificate that names it.
    const unlisted = new Set(owned.map((claim) => claim.technicianId as string));
    for (let start = 0; start < batch.length; start += MAX_ROWS_PER_INSERT) {
      const chunk = batch.slice(start, start + MAX_ROWS_PER_INSERT);
      const written = await writeCertificates(
        writer,
        chunk.map((item) => item.plan),
        claims,
      );
      chunk.forEach((item, i) => {
        const links = written[i] as CertificateLinks & { readonly certificateId: number };
        const listed = [links.calibratedBy, links.installedBy].filter((id) => unlisted.delete(id));
        work[item.index] = migratedWork(item.plan, links, [...new Set(listed)], context);
      });
    }
    await finishGroup(writer, work, claims, context.recordedFailures, now);
    return { work, claims };
  } catch (error) {
    if (error instanceof AlreadyMigrated || classifyDbError(error).retryable) throw error;
    context.logger.debug(
      { legacyIds: records.map((record) => record.id), message: oneLine(String(error)) },
      "a multi-row statement failed; the group is written again one certificate at a time",
    );
    throw new BatchRefused(String(error));
  }
}

/** Device blocks, vehicles and certificates of plans whose technicians all exist: three statements. */
async function writeCertificates(
  writer: DestinationWriter,
  plans: readonly CertificatePlan[],
  claims: Map<string, GroupClaim>,
): Promise<Array<CertificateLinks & { readonly certificateId: number }>> {
  const technicians = plans.map((plan) => {
    const calibratedBy = knownTechnician(plan.calibrationTechnician, claims);
    const installedBy = knownTechnician(plan.installationTechnician, claims);
    if (calibratedBy === null || installedBy === null) throw new Error("a technician is still to create");
    return { calibratedBy, installedBy };
  });
  await writer.blockDevices([...new Set(plans.filter((p) => p.blockDevice).map((p) => p.deviceId))]);
  const vehicleIds = await writer.insertVehicles(
    plans.flatMap((plan) => (plan.vehicle === null ? [] : [plan.vehicle])),
  );
  let nextVehicle = 0;
  const links: CertificateLinks[] = plans.map((plan, i) => ({
    ...(technicians[i] as { calibratedBy: string; installedBy: string }),
    vehicleId: plan.vehicle === null ? null : (vehicleIds[nextVehicle++] as string),
  }));
  const certificateIds = await writer.insertCertificates(
    plans.map((plan, i) => ({ plan, ids: links[i] as CertificateLinks })),
  );
  return links.map((link, i) => ({ ...link, certificateId: certificateIds[i] as number }));
}

async function writeGroup(
  runner: QueryRunner,
  context: GroupContext,
  records: readonly LegacyCertificate[],
  cancelled: () => boolean,
): Promise<GroupWork> {
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
    const planned = plans[index] as PlanResult;
    // A plan that failed has nothing to write but its failure row, which the group writes at its end.
    work[index] = planned.ok
      ? await migrateOne(writer, planned, record, claims, context, now)
      : failedWork(record, planned.failures.map(summarize));
  }
  await finishGroup(writer, work, claims, context.recordedFailures, now);
  return { work, claims };
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
      if (device !== undefined && device !== "ambiguous") context.references.rememberBlockedDevice(device.id);
    }
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
      // One certificate alone is written with a savepoint: a bad record fails by itself at once.
      const result = await runGroupOnce(context, [record], cancelled, true);
      if (result.ok) {
        applyCommitted(context, result.value);
        outcomes.push(...result.value.work.map((w) => w.outcome));
        done = true;
        continue;
      }
      const error = result.error;
      if (error instanceof AlreadyMigrated) {
        // A concurrent run migrated it first: this transaction rolled back, nothing of it remains.
        outcomes.push({ kind: "skipped", legacy: identityOf(record), reason: "already_migrated" });
        done = true;
        continue;
      }
      lastError = error;
      const verdict = classifyDbError(error);
      if (!verdict.retryable) {
        return err(writeError(error.cause ?? error, "migrate a certificate in the destination database"));
      }
      context.logger.warn(
        { attempt, kind: verdict.kind, legacyId: record.id },
        "a certificate is tried again",
      );
      await delay(Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random()));
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
  let result = await runGroupOnce(context, records, cancelled);
  if (!result.ok && result.error instanceof BatchRefused) {
    result = await runGroupOnce(context, records, cancelled, true);
  }
  if (result.ok) {
    applyCommitted(context, result.value);
    return ok({
      outcomes: result.value.work.map((w) => w.outcome),
      unattempted: records.slice(result.value.work.length),
    });
  }
  const error = result.error;
  const verdict = classifyDbError(error);
  // A ledger conflict means another run took some of these: redo them one by one to find which.
  if (!verdict.retryable && !(error instanceof AlreadyMigrated)) {
    return err(
      writeError(error.cause ?? error, "migrate a group of certificates in the destination database"),
    );
  }
  context.logger.warn(
    { kind: verdict.kind, legacyIds: records.map((r) => r.id) },
    "a group of certificates is migrated again one at a time",
  );
  return migrateOneByOne(context, records, cancelled);
}
