import { ok, type Result } from "@certs/result";
import type { LdifRecordContent } from "../parse/ldif.js";
import type { SignaturePool } from "../verify/signature-pool.js";
import {
  type IssuerCheck,
  isSignatureTask,
  type SignatureTask,
  settleSignatureTask,
} from "../verify/trusted-cscas.js";
import type { EntryChecks, TrustStoreIntake } from "./trust-store-intake.js";

/** Signatures (or entries) per batch sent to a worker: a few milliseconds of work, so messages cost little. */
const BATCH_SIGNATURES = 512;

interface Queued {
  readonly entry: LdifRecordContent;
  readonly checks: EntryChecks<IssuerCheck | SignatureTask>;
}

interface Sent {
  readonly entries: readonly Queued[];
  readonly tasks: readonly SignatureTask[];
  readonly verifiedBy: Promise<Int16Array>;
}

/**
 * The LDIF entries of one file on their way into the intake: their DSC and CRL signatures are checked in
 * batches by the signature pool while later entries are parsed, and the entries are admitted in file order
 * once their batch is back, exactly as `TrustStoreIntake.ldifEntry` would have admitted them one by one. An
 * entry with nested master lists is admitted only after everything before it, since it may make more CSCAs
 * trusted; the checks of later entries are prepared after it, against the CSCAs it added.
 */
export class CheckedLdifEntries {
  private queued: Queued[] = [];
  private queuedTasks: SignatureTask[] = [];
  private readonly sent: Sent[] = [];
  /** Milliseconds spent waiting for the pool's answers. */
  waitMs = 0;

  constructor(
    private readonly intake: TrustStoreIntake,
    private readonly pool: SignaturePool,
    private readonly file: string,
    /** Batches out at once: enough to keep every worker busy, few enough to bound memory. */
    private readonly maxInFlight: number,
    /** Runs after each admitted entry (the sync sends a full row batch to the database there). */
    private readonly afterEntry: () => Promise<void>,
  ) {}

  /** Queues an entry; admits the oldest batches when too many are out. Err: the sync fails. */
  async push(entry: LdifRecordContent): Promise<Result<void>> {
    if (entry.masterLists.length > 0) {
      const drained = await this.drain();
      if (!drained.ok) return drained;
      return this.admit(entry, { dscs: [], crls: [] });
    }
    const checks = this.intake.prepareChecks(entry);
    const tasks = [...checks.dscs, ...checks.crls].filter(
      (check): check is SignatureTask => check !== null && isSignatureTask(check),
    );
    // Nothing to check and nothing before it waiting: admitted at once (verification off, BCSC only, ...).
    if (tasks.length === 0 && this.queued.length === 0 && this.sent.length === 0) {
      return this.admit(entry, checks as EntryChecks<IssuerCheck>);
    }
    this.queued.push({ entry, checks });
    this.queuedTasks.push(...tasks);
    if (this.queuedTasks.length >= BATCH_SIGNATURES || this.queued.length >= BATCH_SIGNATURES) this.send();
    while (this.sent.length > this.maxInFlight) {
      const admitted = await this.admitOldest();
      if (!admitted.ok) return admitted;
    }
    return ok(undefined);
  }

  /** Admits every queued entry. */
  async drain(): Promise<Result<void>> {
    this.send();
    while (this.sent.length > 0) {
      const admitted = await this.admitOldest();
      if (!admitted.ok) return admitted;
    }
    return ok(undefined);
  }

  private send(): void {
    if (this.queued.length === 0) return;
    this.sent.push({
      entries: this.queued,
      tasks: this.queuedTasks,
      verifiedBy: this.pool.check(this.queuedTasks),
    });
    this.queued = [];
    this.queuedTasks = [];
  }

  private async admitOldest(): Promise<Result<void>> {
    const batch = this.sent.shift();
    if (batch === undefined) return ok(undefined);
    const started = performance.now();
    const verifiedBy = await batch.verifiedBy;
    this.waitMs += performance.now() - started;
    const outcomes = new Map<SignatureTask, IssuerCheck>();
    for (const [i, task] of batch.tasks.entries()) {
      outcomes.set(task, settleSignatureTask(task, verifiedBy[i] ?? -1));
    }
    const settle = (check: IssuerCheck | SignatureTask | null): IssuerCheck | null =>
      check === null ? null : isSignatureTask(check) ? (outcomes.get(check) ?? null) : check;
    for (const { entry, checks } of batch.entries) {
      const admitted = await this.admit(entry, {
        dscs: checks.dscs.map(settle),
        crls: checks.crls.map(settle),
      });
      if (!admitted.ok) return admitted;
    }
    return ok(undefined);
  }

  private async admit(entry: LdifRecordContent, checks: EntryChecks<IssuerCheck>): Promise<Result<void>> {
    const admitted = this.intake.ldifEntry(this.file, entry, true, checks);
    if (!admitted.ok) return admitted;
    await this.afterEntry();
    return ok(undefined);
  }
}
