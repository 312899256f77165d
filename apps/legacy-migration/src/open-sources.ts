import type { JobContext } from "@certs/app-kit";
import { openDataSource, parseConnectionUrl, type ServerConnectionSpec } from "@certs/db";
import type { MigrationSources } from "@certs/legacy-migration";
import { appError, ErrorCode, err, ok, type Result } from "@certs/result";

/** The legacy database's connection spec: a server, never the embedded database. */
export function legacySpec(url: string): Result<ServerConnectionSpec> {
  const spec = parseConnectionUrl(url);
  if (!spec.ok) return spec;
  if (spec.value.kind === "embedded") {
    return err(
      appError(
        ErrorCode.CONFIGURATION_ERROR,
        "--legacy-db must name a server (mysql://...), not the embedded database.",
      ),
    );
  }
  return ok(spec.value);
}

/** Opens both databases (closed when the job ends): the legacy one with a small pool, the destination with one per worker. */
export async function openSources(
  legacy: ServerConnectionSpec,
  destination: ServerConnectionSpec | Parameters<typeof openDataSource>[0],
  workers: number,
  context: Pick<JobContext, "logger" | "defer">,
): Promise<Result<MigrationSources>> {
  const legacySource = await openDataSource(legacy, {
    poolSize: Math.min(workers, 4) + 1,
    logger: context.logger,
  });
  if (!legacySource.ok) return legacySource;
  context.defer(() => legacySource.value.destroy());
  const destinationSource = await openDataSource(destination, {
    poolSize: workers + 2,
    logger: context.logger,
  });
  if (!destinationSource.ok) return destinationSource;
  context.defer(() => destinationSource.value.destroy());
  return ok({ legacy: legacySource.value, destination: destinationSource.value });
}
