import { type AppError, appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type pg from "pg";
import { type ParsedCrl, parseCrl } from "../parse/crl.js";
import { CLOCK_TOLERANCE_MS } from "../verify/master-list-verification.js";
import type { IssuerCheck, TrustedCscas } from "../verify/trusted-cscas.js";
import type { CrlVerificationCounts, RefusedInput } from "./verification-report.js";

/** What the trust store already holds of one issuer's CRL: what a new one must not be older than. */
export interface StoredCrlFacts {
  readonly crlNumber: bigint | null;
  readonly thisUpdate: Date;
}

/** Options of `CrlAdmission`. */
export interface CrlAdmissionOptions {
  /** False (`verify: false`) admits every CRL unchecked. */
  readonly verify: boolean;
  readonly clock: () => Date;
  /** A refused CRL fails the sync instead of being left out. */
  readonly strict: boolean;
  /** Store a CRL older than the stored one of its issuer instead of failing. */
  readonly allowCrlRollback: boolean;
  /** The stored CRLs by issuer (lower-cased RFC 4514), from `readStoredCrlFacts`. */
  readonly stored: ReadonlyMap<string, StoredCrlFacts>;
}

/** Reads the issuer, cRLNumber and thisUpdate of every CRL in the `crls` table; unreadable rows are ignored. */
export async function readStoredCrlFacts(pool: pg.Pool): Promise<Result<Map<string, StoredCrlFacts>>> {
  let rows: { crl: Buffer }[];
  try {
    rows = (await pool.query<{ crl: Buffer }>("SELECT crl FROM crls")).rows;
  } catch (cause) {
    return err(
      appError(ErrorCode.DATABASE_ERROR, "The stored CRLs cannot be read (is the schema migrated?).", {
        cause,
      }),
    );
  }
  const facts = new Map<string, StoredCrlFacts>();
  for (const row of rows) {
    const parsed = parseCrl(new Uint8Array(row.crl));
    if (!parsed.ok) continue;
    const key = parsed.value.issuer.toLowerCase();
    const known = facts.get(key);
    if (known === undefined || isOlder(known, parsed.value)) {
      facts.set(key, { crlNumber: parsed.value.crlNumber, thisUpdate: parsed.value.thisUpdate });
    }
  }
  return ok(facts);
}

/** True when `candidate` is older than `reference`: a lower cRLNumber, or an earlier thisUpdate without both numbers. */
function isOlder(candidate: StoredCrlFacts, reference: StoredCrlFacts): boolean {
  if (candidate.crlNumber !== null && reference.crlNumber !== null)
    return candidate.crlNumber < reference.crlNumber;
  return candidate.thisUpdate.getTime() < reference.thisUpdate.getTime();
}

function describe(facts: StoredCrlFacts): string {
  return facts.crlNumber === null
    ? `no cRLNumber, thisUpdate ${facts.thisUpdate.toISOString()}`
    : `cRLNumber ${facts.crlNumber}`;
}

/**
 * Decides which CRLs enter the trust store: only one whose own signature verifies with a trusted CSCA of its
 * issuer, whose thisUpdate is not in the future (5 minutes' tolerance), and which is not older than the
 * stored CRL of the same issuer. A past nextUpdate is stored and reported `stale`. Counts what it decided.
 */
export class CrlAdmission {
  readonly counts: { verified: number; invalid: number; stale: number; rolledBack: number } = {
    verified: 0,
    invalid: 0,
    stale: 0,
    rolledBack: 0,
  };
  readonly refused: RefusedInput[] = [];

  constructor(
    private readonly trusted: TrustedCscas,
    private readonly options: CrlAdmissionOptions,
  ) {}

  /**
   * Ok(verdict): store it; ok(null): leave it out (reported); err: the sync fails (rollback, or `strict`).
   * `checked` is the outcome of its signature check when the caller made it already (in a worker thread).
   */
  admit(crl: ParsedCrl, source: string, checked?: IssuerCheck): Result<CrlVerdict | null> {
    if (!this.options.verify) return ok({ status: "unverifiable", detail: "verification off" });
    const now = this.options.clock().getTime();
    if (crl.thisUpdate.getTime() > now + CLOCK_TOLERANCE_MS) {
      return this.refuse(crl, source, `its thisUpdate ${crl.thisUpdate.toISOString()} is in the future`);
    }
    const check = checked ?? this.trusted.verifyCrl(crl);
    if (check.status !== "verified") return this.refuse(crl, source, check.reason);
    const stored = this.options.stored.get(crl.issuer.toLowerCase());
    if (stored !== undefined && isOlder(crl, stored)) {
      if (!this.options.allowCrlRollback) {
        return err(
          appError(
            ErrorCode.SIGNATURE_ERROR,
            `${source}: the CRL of ${crl.issuer} (${describe(crl)}) is older than the stored one (${describe(stored)}); refusing to roll the revocation list back (allowCrlRollback to force).`,
            {
              details: {
                source,
                issuer: crl.issuer,
                crlNumber: crl.crlNumber?.toString() ?? null,
                storedCrlNumber: stored.crlNumber?.toString() ?? null,
              },
            },
          ),
        );
      }
      this.counts.rolledBack += 1;
    }
    this.counts.verified += 1;
    const signedBy = `signed by ${check.by.subject} (serial ${check.by.serialNumber})`;
    if (crl.nextUpdate !== null && crl.nextUpdate.getTime() < now) {
      this.counts.stale += 1;
      return ok({
        status: "stale",
        detail: `${signedBy}; nextUpdate ${crl.nextUpdate.toISOString()} has passed`,
      });
    }
    return ok({ status: "verified", detail: signedBy });
  }

  report(): CrlVerificationCounts {
    return { ...this.counts };
  }

  private refuse(crl: ParsedCrl, source: string, reason: string): Result<CrlVerdict | null> {
    this.counts.invalid += 1;
    const refused: RefusedInput = { kind: "crl", source, subject: crl.issuer, reason };
    this.refused.push(refused);
    if (this.options.strict) return err(strictFailure(refused));
    return ok(null);
  }
}

/** How an admitted CRL is recorded in `icao_sync_provenance`. */
export interface CrlVerdict {
  readonly status: "verified" | "stale" | "unverifiable";
  readonly detail: string | null;
}

/** The failure `strict` makes of an input that would otherwise only be left out and reported. */
export function strictFailure(refused: RefusedInput): AppError {
  return appError(
    ErrorCode.SIGNATURE_ERROR,
    `${refused.source}: the ${refused.kind === "crl" ? "CRL of" : refused.kind === "dsc" ? "DSC" : "master list of"} ${refused.subject} is refused: ${refused.reason} (strict).`,
    { details: { ...refused } },
  );
}
