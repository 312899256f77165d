import { ExitCode, runJob } from "@certs/app-kit";
import { reconcileJournal } from "@certs/ct-export";
import { ok } from "@certs/result";
import { openCertsDatabase } from "./certs-database.js";
import { exportSettings } from "./settings.js";

/** `certs-ct-export reconcile --output DIR`: settles what ended runs into DIR left in the journal; returns the exit code. */
export async function runReconcile(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  return runJob(exportSettings(flags, env), async (options, { logger, signal, defer }) => {
    const opened = await openCertsDatabase(options, 2, { logger, defer });
    if (!opened.ok) return opened;
    const { dataSource } = opened.value;
    const result = await reconcileJournal(dataSource, {
      outputDir: options.output,
      table: options.table,
      retryForMs: options.retryFor * 1000,
      logger,
      signal,
    });
    if (!result.ok) return result;
    const { publishedBatches, deletedRows, discardedBatches, leftoversRemoved } = result.value;
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result.value)}\n`);
    } else {
      process.stdout.write(
        `Reconciled ${options.output}: ${publishedBatches} published batches settled (${deletedRows} rows deleted), ` +
          `${discardedBatches} unpublished batches dropped (their rows will be exported again), ${leftoversRemoved} leftover temp files removed\n`,
      );
    }
    return ok(ExitCode.OK);
  });
}
