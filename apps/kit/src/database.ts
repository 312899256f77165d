import {
  DEFAULT_EMBEDDED_DATA_DIR,
  parseConnectionUrl,
  redactUrl,
  type Logger,
  type ServerConnectionSpec,
} from "@certs/db";
import { startEmbeddedPostgres } from "@certs/db/embedded";
import { ok, type Result } from "@certs/result";

/** A database the app can use, and how to let go of it. */
export interface AppDatabase {
  readonly spec: ServerConnectionSpec;
  /** For logs and reports: the URL without its password, or the embedded data directory. */
  readonly description: string;
  /** True when this is the embedded PostgreSQL the app started itself. */
  readonly embedded: boolean;
  /** Stops the embedded server if the app started one; does nothing otherwise. */
  close(): Promise<void>;
}

/**
 * The database named by `url`, or, when there is none, the embedded PostgreSQL with its data in
 * `dataDir` (default `./.certs/postgres`), started now and stopped by `close()`.
 */
export async function openAppDatabase(
  url: string | undefined,
  options: { readonly dataDir?: string | undefined; readonly logger: Logger },
): Promise<Result<AppDatabase>> {
  const dataDir = options.dataDir ?? DEFAULT_EMBEDDED_DATA_DIR;
  if (url !== undefined) {
    const spec = parseConnectionUrl(url);
    if (!spec.ok) return spec;
    if (spec.value.kind !== "embedded") {
      return ok({ spec: spec.value, description: redactUrl(url), embedded: false, close: async () => {} });
    }
  }
  const server = await startEmbeddedPostgres({ dataDir, logger: options.logger });
  if (!server.ok) return server;
  return ok({
    spec: server.value.spec,
    description: `embedded PostgreSQL in ${server.value.dataDir}`,
    embedded: true,
    async close() {
      await server.value.stop();
    },
  });
}
