import { LOG_LEVELS, resolveSettings, type SettingSource } from "@certs/app-kit";
import { parseConnectionUrl } from "@certs/db";
import { defaultDownloadRetryPolicy, type SourceDownloadOptions } from "@certs/icao-sync";
import type { Result } from "@certs/result";
import { Cron } from "croner";
import { z } from "zod";

/** A list setting: repeated flags arrive as an array; an environment variable holds one item per line or comma. */
function list(separator: RegExp) {
  return z.preprocess(
    (value) =>
      typeof value === "string"
        ? value
            .split(separator)
            .map((item) => item.trim())
            .filter((item) => item !== "")
        : value,
    z.array(z.string().min(1, "must not be empty")).default([]),
  );
}

/** A yes/no setting: a flag arrives as a boolean, an environment variable as text. */
function boolish(fallback: boolean) {
  return z.preprocess((value) => {
    if (typeof value !== "string") return value;
    const text = value.trim().toLowerCase();
    if (["1", "true", "yes", "on"].includes(text)) return true;
    if (["0", "false", "no", "off"].includes(text)) return false;
    return value;
  }, z.boolean("must be true or false").default(fallback));
}

const positiveInt = z.coerce.number().int("must be a whole number").positive("must be at least 1");

const databaseUrl = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const spec = parseConnectionUrl(value);
    if (!spec.ok) ctx.addIssue({ code: "custom", message: spec.error.message });
    else if (spec.value.kind === "mysql") {
      ctx.addIssue({
        code: "custom",
        message: "the trust store lives in PostgreSQL: give a postgres:// URL",
      });
    }
  });

const header = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:\s*\S/, 'must look like "Name: value"');

const common = {
  logLevel: z.enum(LOG_LEVELS).default("info"),
  verbose: z.boolean().default(false),
};

const database = {
  db: databaseUrl.optional(),
  dataDir: z.string().min(1).optional(),
};

const syncShape = {
  ...common,
  ...database,
  source: list(/[\n,]/),
  ldif: list(/[\n,]/),
  crl: list(/[\n,]/),
  trustAnchor: list(/[\n,]/),
  dryRun: boolish(false),
  verify: boolish(true),
  allowUnanchored: boolish(false),
  strict: boolish(false),
  allowCrlRollback: boolish(false),
  allowEmpty: boolish(false),
  force: z.boolean().default(false),
  json: z.boolean().default(false),
  sourceLabel: z.string().min(1).optional(),
  timeoutMs: positiveInt.optional(),
  maxBytes: positiveInt.optional(),
  retries: z.coerce
    .number()
    .int("must be a whole number")
    .min(0, "must not be negative")
    .max(20, "must be at most 20")
    .optional(),
  header: z.preprocess(
    (value) => (typeof value === "string" ? value.split("\n").filter((line) => line.trim() !== "") : value),
    z.array(header).default([]),
  ),
  bearerToken: z.string().min(1).optional(),
  oidcTokenUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  oidcClientId: z.string().min(1).optional(),
  oidcClientSecret: z.string().min(1).optional(),
  oidcUsername: z.string().min(1).optional(),
  oidcPassword: z.string().min(1).optional(),
  oidcScope: z.string().min(1).optional(),
};

type SyncShape = z.infer<z.ZodObject<typeof syncShape>>;

/** Cross-field rules of the sync settings, reported against the flag that needs changing. */
function checkSync(value: SyncShape, ctx: z.RefinementCtx): void {
  if (value.source.length + value.ldif.length + value.crl.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["source"],
      message: "give at least one master list (--source), LDIF (--ldif) or CRL (--crl)",
    });
  }
  const oidcGiven =
    value.oidcClientId !== undefined ||
    value.oidcClientSecret !== undefined ||
    value.oidcUsername !== undefined ||
    value.oidcPassword !== undefined;
  if (oidcGiven && value.oidcTokenUrl === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["oidcTokenUrl"],
      message: "is needed with the other --oidc-* settings",
    });
  }
  if (value.oidcTokenUrl !== undefined && value.oidcClientId === undefined) {
    ctx.addIssue({ code: "custom", path: ["oidcClientId"], message: "is needed with --oidc-token-url" });
  }
  if ((value.oidcUsername === undefined) !== (value.oidcPassword === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: [value.oidcUsername === undefined ? "oidcUsername" : "oidcPassword"],
      message: "--oidc-username and --oidc-password go together (the password grant)",
    });
  }
  if (value.bearerToken !== undefined && value.oidcTokenUrl !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["bearerToken"],
      message: "give either a bearer token or an OpenID Connect token endpoint, not both",
    });
  }
}

const syncSchema = z.object(syncShape).superRefine(checkSync);

const serveSchema = z
  .object({
    ...syncShape,
    cron: z
      .string()
      .default("0 */6 * * *")
      .superRefine((value, ctx) => {
        try {
          new Cron(value, { paused: true }).stop();
        } catch (error) {
          ctx.addIssue({
            code: "custom",
            message: `is not a cron pattern (${error instanceof Error ? error.message : String(error)})`,
          });
        }
      }),
    runOnStartup: boolish(false),
    port: z.coerce
      .number()
      .int("must be a whole number")
      .min(0)
      .max(65_535, "must be at most 65535")
      .default(8080),
    host: z.string().min(1).default("127.0.0.1"),
  })
  .superRefine(checkSync);

const migrateSchema = z.object({ ...common, ...database });

const inspectSchema = z.object({
  ...common,
  trustAnchor: list(/[\n,]/),
  ldif: list(/[\n,]/),
  crl: list(/[\n,]/),
  verify: boolish(true),
  json: z.boolean().default(false),
  sourceLabel: z.string().min(1).optional(),
  maxBytes: positiveInt.optional(),
});

/** The settings of `run`. */
export type SyncSettings = z.infer<typeof syncSchema>;
/** The settings of `serve`. */
export type ServeSettings = z.infer<typeof serveSchema>;
/** The settings of `migrate`. */
export type MigrateSettings = z.infer<typeof migrateSchema>;
/** The settings of `inspect` (the files come as arguments). */
export type InspectSettings = z.infer<typeof inspectSchema>;

const sources = {
  logLevel: { flag: "--log-level", env: "CERTS_LOG_LEVEL" },
  verbose: { flag: "--verbose" },
  db: { flag: "--db", env: "CERTS_DB_URL" },
  dataDir: { flag: "--data-dir", env: "CERTS_DATA_DIR" },
  source: { flag: "--source", env: "CERTS_SOURCE" },
  ldif: { flag: "--ldif", env: "CERTS_LDIF" },
  crl: { flag: "--crl", env: "CERTS_CRL" },
  trustAnchor: { flag: "--trust-anchor", env: "CERTS_TRUST_ANCHOR" },
  dryRun: { flag: "--dry-run", env: "CERTS_DRY_RUN" },
  verify: { flag: "--no-verify", env: "CERTS_VERIFY" },
  allowUnanchored: { flag: "--allow-unanchored", env: "CERTS_ALLOW_UNANCHORED" },
  strict: { flag: "--strict", env: "CERTS_STRICT" },
  allowCrlRollback: { flag: "--allow-crl-rollback", env: "CERTS_ALLOW_CRL_ROLLBACK" },
  allowEmpty: { flag: "--allow-empty", env: "CERTS_ALLOW_EMPTY" },
  force: { flag: "--force" },
  json: { flag: "--json" },
  sourceLabel: { flag: "--source-label", env: "CERTS_SOURCE_LABEL" },
  timeoutMs: { flag: "--timeout-ms", env: "CERTS_TIMEOUT_MS" },
  maxBytes: { flag: "--max-bytes", env: "CERTS_MAX_BYTES" },
  retries: { flag: "--retries", env: "CERTS_RETRIES" },
  header: { flag: "--header", env: "CERTS_HEADERS" },
  bearerToken: { flag: "--bearer-token", env: "CERTS_BEARER_TOKEN" },
  oidcTokenUrl: { flag: "--oidc-token-url", env: "CERTS_OIDC_TOKEN_URL" },
  oidcClientId: { flag: "--oidc-client-id", env: "CERTS_OIDC_CLIENT_ID" },
  oidcClientSecret: { flag: "--oidc-client-secret", env: "CERTS_OIDC_CLIENT_SECRET" },
  oidcUsername: { flag: "--oidc-username", env: "CERTS_OIDC_USERNAME" },
  oidcPassword: { flag: "--oidc-password", env: "CERTS_OIDC_PASSWORD" },
  oidcScope: { flag: "--oidc-scope", env: "CERTS_OIDC_SCOPE" },
  cron: { flag: "--cron", env: "CERTS_CRON" },
  runOnStartup: { flag: "--run-on-startup", env: "CERTS_RUN_ON_STARTUP" },
  port: { flag: "--port", env: "CERTS_PORT" },
  host: { flag: "--host", env: "CERTS_HOST" },
} satisfies Record<string, SettingSource>;

type Flags = Readonly<Record<string, unknown>>;
type Env = Readonly<Record<string, string | undefined>>;

/** `run`: flags, then CERTS_* environment variables, then defaults. */
export function syncSettings(flags: Flags, env: Env): Result<SyncSettings> {
  return resolveSettings({ schema: syncSchema, flags, env, sources });
}

/** `serve`: the `run` settings plus the schedule and the HTTP listener. */
export function serveSettings(flags: Flags, env: Env): Result<ServeSettings> {
  return resolveSettings({ schema: serveSchema, flags, env, sources });
}

/** `migrate`. */
export function migrateSettings(flags: Flags, env: Env): Result<MigrateSettings> {
  return resolveSettings({ schema: migrateSchema, flags, env, sources });
}

/** `inspect`. */
export function inspectSettings(flags: Flags, env: Env): Result<InspectSettings> {
  return resolveSettings({ schema: inspectSchema, flags, env, sources });
}

/** The download options the library hands its loader, from the settings. */
export function downloadOptions(settings: Partial<SyncSettings>): SourceDownloadOptions {
  const headers = Object.fromEntries(
    (settings.header ?? []).map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    }),
  );
  return {
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    ...(settings.maxBytes === undefined ? {} : { maxBytes: settings.maxBytes }),
    ...(settings.retries === undefined
      ? {}
      : { retry: { ...defaultDownloadRetryPolicy, maxAttempts: settings.retries + 1 } }),
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
    ...(settings.bearerToken === undefined ? {} : { bearerToken: settings.bearerToken }),
    ...(settings.oidcTokenUrl === undefined || settings.oidcClientId === undefined
      ? {}
      : {
          oidc: {
            tokenUrl: settings.oidcTokenUrl,
            clientId: settings.oidcClientId,
            grant: settings.oidcUsername === undefined ? "client_credentials" : "password",
            ...(settings.oidcClientSecret === undefined ? {} : { clientSecret: settings.oidcClientSecret }),
            ...(settings.oidcUsername === undefined ? {} : { username: settings.oidcUsername }),
            ...(settings.oidcPassword === undefined ? {} : { password: settings.oidcPassword }),
            ...(settings.oidcScope === undefined ? {} : { scope: settings.oidcScope }),
          },
        }),
  };
}
