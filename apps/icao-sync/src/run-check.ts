import { readFile } from "node:fs/promises";
import {
  DATABASE_SETTINGS,
  databaseUrl,
  ExitCode,
  JSON_SETTING,
  LOGGING_SETTINGS,
  runJob,
  settingsReader,
} from "@certs/app-kit";
import {
  type PassiveAuthentication,
  TrustStoreReader,
  type TrustStoreLookup,
  verifyDocumentSecurityObject,
} from "@certs/icao-sync";
import { type AppError, appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { z } from "zod";
import { escapeOutputLines, terminalJson } from "./terminal-text.js";
import { openTrustStoreDatabase } from "./trust-store-database.js";

const dataGroupFlag = z
  .array(z.string().regex(/^(?:[1-9]|1[0-6])=.+$/, 'must look like "N=file" with N from 1 to 16'))
  .default([]);

const checkSchema = z.object({
  ...LOGGING_SETTINGS,
  ...DATABASE_SETTINGS,
  db: databaseUrl({ postgresOnly: true }).optional(),
  ...JSON_SETTING,
  dg: dataGroupFlag,
  at: z.iso
    .datetime({ offset: true, message: "must be an ISO 8601 time such as 2026-01-31T12:00:00Z" })
    .optional(),
});

const checkSettings = settingsReader(checkSchema, {
  dg: { flag: "--dg" },
  at: { flag: "--at" },
});

/** Reads the `--dg N=file` data groups; an unreadable file is bad usage, like a missing flag value. */
async function readDataGroups(specs: readonly string[]): Promise<Result<Map<number, Uint8Array>>> {
  const groups = new Map<number, Uint8Array>();
  for (const spec of specs) {
    const equals = spec.indexOf("=");
    const number = Number(spec.slice(0, equals));
    const path = spec.slice(equals + 1);
    if (groups.has(number)) {
      return err(appError(ErrorCode.CONFIGURATION_ERROR, `--dg ${number} is given more than once.`));
    }
    try {
      groups.set(number, new Uint8Array(await readFile(path)));
    } catch (cause) {
      return err(
        appError(
          ErrorCode.CONFIGURATION_ERROR,
          `--dg ${number}: cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}).`,
          { cause },
        ),
      );
    }
  }
  return ok(groups);
}

/** The one line `check` prints for a document. */
export function formatCheckLine(file: string, result: PassiveAuthentication): string {
  const parts = [
    result.kind === "sod" ? `sod ${result.sodSignature}` : "dsc only",
    `chain ${result.chain}${result.csca === null ? "" : ` (${result.csca.subject} ${result.csca.isn})`}`,
    `revocation ${result.revocation.status}`,
  ];
  const checked = result.dataGroups.filter((g) => g.status !== "not_checked");
  if (checked.length > 0) parts.push(checked.map((g) => `DG${g.number} ${g.status}`).join(" "));
  if (result.deviations.length > 0) parts.push(`${result.deviations.length} deviation(s)`);
  const verdict = result.valid ? "valid" : "INVALID";
  const why = result.valid ? "" : `: ${result.problems.join("; ")}`;
  return `${file}: ${verdict}, ${parts.join(", ")}${why}`;
}

/** Checks one document file; a file that cannot be read or parsed is an invalid document, not a failed job. */
export async function checkDocument(
  reader: TrustStoreLookup,
  bytes: Uint8Array,
  options: { readonly at?: Date; readonly dataGroups: ReadonlyMap<number, Uint8Array> },
): Promise<Result<PassiveAuthentication | { readonly valid: false; readonly error: AppError }>> {
  const result = await verifyDocumentSecurityObject(reader, bytes, {
    dataGroups: options.dataGroups,
    ...(options.at === undefined ? {} : { at: options.at }),
  });
  if (result.ok) return result;
  if (result.error.code === ErrorCode.PARSE_ERROR) return ok({ valid: false, error: result.error });
  return result;
}

/** `certs-icao-sync check <file>...`: returns 0 when every document is valid, 1 when any is not. */
export async function runCheck(
  files: readonly string[],
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  return runJob(checkSettings(flags, env), async (options, context) => {
    if (files.length === 0) {
      return err(
        appError(
          ErrorCode.CONFIGURATION_ERROR,
          "check: name at least one file (an EF.SOD, a CMS SOD or a DSC).",
        ),
      );
    }
    const dataGroups = await readDataGroups(options.dg);
    if (!dataGroups.ok) return dataGroups;
    const database = await openTrustStoreDatabase(options, context, false);
    if (!database.ok) return database;
    const reader = new TrustStoreReader(database.value.pool);
    const at = options.at === undefined ? undefined : new Date(options.at);
    let allValid = true;
    for (const file of files) {
      let line: string;
      let bytes: Uint8Array | null = null;
      try {
        bytes = new Uint8Array(await readFile(file));
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
        const error = appError(ErrorCode.FILE_ERROR, `The file cannot be read (${code}).`, { cause });
        allValid = false;
        line = options.json
          ? terminalJson({ file, valid: false, error: { code: error.code, message: error.message } })
          : `${file}: INVALID: ${error.message}`;
        process.stdout.write(`${line}\n`);
        continue;
      }
      const checked = await checkDocument(reader, bytes, {
        dataGroups: dataGroups.value,
        ...(at === undefined ? {} : { at }),
      });
      if (!checked.ok) return checked;
      const result = checked.value;
      allValid &&= result.valid;
      if ("error" in result) {
        line = options.json
          ? terminalJson({
              file,
              valid: false,
              error: { code: result.error.code, message: result.error.message },
            })
          : escapeOutputLines([`${file}: INVALID: ${result.error.message}`]);
      } else {
        line = options.json
          ? terminalJson({ file, ...result })
          : escapeOutputLines([formatCheckLine(file, result)]);
      }
      process.stdout.write(`${line}\n`);
    }
    return ok(allValid ? ExitCode.OK : ExitCode.FAILED);
  });
}
