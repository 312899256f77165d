import { ExitCode, openAppDatabase, runJob } from "@certs/app-kit";
import { mappingFilePaths, verifyMigration, type VerificationSummary } from "@certs/legacy-migration";
import { appError, ErrorCode, err, ok } from "@certs/result";
import { legacySpec, openSources } from "./open-sources.js";
import { verifySettings } from "./settings.js";

/** `certs-legacy-migrate verify`: returns the exit code (0 clean, 1 discrepancies found). */
export async function runVerify(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  return runJob(verifySettings(flags, env), async (options, context) => {
    if (options.legacyDb === undefined)
      return err(appError(ErrorCode.CONFIGURATION_ERROR, "--legacy-db is required."));
    const legacy = legacySpec(options.legacyDb);
    if (!legacy.ok) return legacy;
    const database = await openAppDatabase(options.db, { dataDir: options.dataDir, logger: context.logger });
    if (!database.ok) return database;
    context.defer(() => database.value.close());
    const sources = await openSources(legacy.value, database.value.spec, 2, context);
    if (!sources.ok) return sources;
    const result = await verifyMigration(sources.value, {
      mappingFiles: mappingFilePaths(options.mappings),
      timeZone: options.timeZone,
      retryFailed: options.retryFailed,
      ...(options.output === undefined ? {} : { reportPath: options.output }),
      ...(options.ecu === undefined ? {} : { ecu: options.ecu }),
      ...(options.ids === undefined ? {} : { ids: options.ids }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.json
        ? {}
        : {
            onDiscrepancy: (d) =>
              process.stdout.write(
                `  ${d.kind}${d.column === null ? "" : ` ${d.table}.${d.column}`}: ${d.message}\n`,
              ),
          }),
    });
    if (!result.ok) return result;
    printVerification(result.value, options.json);
    return ok(result.value.clean ? ExitCode.OK : ExitCode.FAILED);
  });
}

function printVerification(summary: VerificationSummary, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const byKind = Object.entries(summary.discrepanciesByKind)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");
  const lines = [
    `${summary.clean ? "Clean" : "NOT clean"}: ${summary.legacyRecords} legacy records, ${summary.ledgerRows} in the ledger (${summary.recomputed} recomputed and compared, ${summary.imported} imported), ${summary.failures} failed, ${summary.pending} pending`,
    `  destination: ${summary.destinationCertificates} certificates and ${summary.destinationVehicles} vehicles of the ledger rows; tables: ${summary.tables.certificates} certificates, ${summary.tables.vehicles} vehicles, ${summary.tables.technicians} technicians`,
    `  ${summary.discrepancies} discrepancies${byKind === "" ? "" : ` (${byKind})`}; ${summary.ratePerSecond.toFixed(0)} certificates/s over ${(summary.elapsedMs / 1000).toFixed(1)} s`,
  ];
  if (summary.reportPath !== undefined) lines.push(`  discrepancies written to ${summary.reportPath}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
