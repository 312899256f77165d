import {
  DATABASE_SETTINGS,
  databaseUrl,
  httpUrl,
  JSON_SETTING,
  listOf,
  LOGGING_SETTINGS,
  positiveWholeNumber,
  settingsReader,
  text,
  wholeNumber,
  yesNo,
  type SettingSource,
} from "@certs/app-kit";
import { defaultDownloadRetryPolicy, type SourceDownloadOptions } from "@certs/icao-sync";
import { Cron } from "croner";
import { z } from "zod";
import { isLoopbackHost } from "./listen-address.js";

const header = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:\s*\S/, 'must look like "Name: value"');

const common = LOGGING_SETTINGS;

/** The trust store lives in PostgreSQL: a mysql:// URL is refused up front. */
const database = { ...DATABASE_SETTINGS, db: databaseUrl({ postgresOnly: true }).optional() };

const items = /[\n,]/;

const syncShape = {
  ...common,
  ...database,
  ...JSON_SETTING,
  source: listOf(items),
  ldif: listOf(items),
  crl: listOf(items),
  trustAnchor: listOf(items),
  csca: listOf(items),
  deviationList: listOf(items),
  dryRun: yesNo(false),
  verify: yesNo(true),
  allowUnanchored: yesNo(false),
  strict: yesNo(false),
  allowCrlRollback: yesNo(false),
  keepUnverifiableDsc: yesNo(false),
  excludeNonConformant: yesNo(false),
  allowEmpty: yesNo(false),
  force: z.boolean().default(false),
  sourceLabel: text().optional(),
  timeoutMs: positiveWholeNumber().optional(),
  totalTimeoutMs: positiveWholeNumber().optional(),
  maxBytes: positiveWholeNumber().optional(),
  retries: wholeNumber({ min: 0, max: 20 }).optional(),
  header: listOf(/\n/, header),
  bearerToken: text().optional(),
  oidcTokenUrl: httpUrl().optional(),
  oidcClientId: text().optional(),
  oidcClientSecret: text().optional(),
  oidcUsername: text().optional(),
  oidcPassword: text().optional(),
  oidcScope: text().optional(),
  serviceLoginUrl: httpUrl().optional(),
  serviceLoginBody: z
    .string({ error: "must be text" })
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      try {
        JSON.parse(value);
      } catch {
        // A custom message, so a body holding a password is not repeated.
        ctx.addIssue({ code: "custom", message: 'must be JSON, e.g. {"user":"sync","password":"..."}' });
      }
    }),
  serviceLoginHeader: z
    .string({ error: "must be text" })
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be an HTTP header name")
    .refine(
      (name) => name.toLowerCase() !== "authorization",
      "cannot be Authorization (it carries the bearer token)",
    )
    .optional(),
};

type SyncShape = z.infer<z.ZodObject<typeof syncShape>>;

/** Cross-field rules of the sync settings, reported against the flag that needs changing. */
function checkSync(value: SyncShape, ctx: z.RefinementCtx): void {
  if (value.source.length + value.ldif.length + value.crl.length + value.deviationList.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["source"],
      message: "is required: give at least one master list (--source), LDIF (--ldif) or CRL (--crl)",
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
      message: `is needed with ${value.oidcUsername === undefined ? "--oidc-password" : "--oidc-username"} (the password grant)`,
    });
  }
  if (
    (value.serviceLoginBody !== undefined || value.serviceLoginHeader !== undefined) &&
    value.serviceLoginUrl === undefined
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["serviceLoginUrl"],
      message: "is needed with --service-login-body and --service-login-header",
    });
  }
  if (
    value.serviceLoginUrl !== undefined &&
    value.oidcTokenUrl === undefined &&
    value.bearerToken === undefined
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["serviceLoginUrl"],
      message: "needs a bearer token to log in with: give --oidc-token-url (or --bearer-token)",
    });
  }
  if (value.bearerToken !== undefined && value.oidcTokenUrl !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["bearerToken"],
      message: "cannot go with --oidc-token-url: give a bearer token or an OpenID Connect token endpoint",
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
    runOnStartup: yesNo(false),
    port: wholeNumber({ min: 0, max: 65_535 }).default(8080),
    host: text().default("127.0.0.1"),
    triggerToken: z
      .string({ error: "must be text" })
      .optional()
      .superRefine((value, ctx) => {
        // A custom issue, so the message does not repeat the secret that was given.
        if (value !== undefined && !/^\S{16,}$/.test(value)) {
          ctx.addIssue({
            code: "custom",
            message:
              "must be at least 16 characters without spaces (a random secret, e.g. from openssl rand -hex 32)",
          });
        }
      }),
  })
  .superRefine(checkSync)
  .superRefine((value, ctx) => {
    if (value.triggerToken === undefined && !isLoopbackHost(value.host)) {
      ctx.addIssue({
        code: "custom",
        path: ["host"],
        message: `${value.host} can be reached from other machines: give --trigger-token (env CERTS_TRIGGER_TOKEN) so that only callers with it can start a sync, or listen on 127.0.0.1`,
      });
    }
  });

const migrateSchema = z.object({ ...common, ...database });

const inspectSchema = z.object({
  ...common,
  ...JSON_SETTING,
  trustAnchor: listOf(items),
  ldif: listOf(items),
  crl: listOf(items),
  csca: listOf(items),
  deviationList: listOf(items),
  verify: yesNo(true),
  keepUnverifiableDsc: yesNo(false),
  excludeNonConformant: yesNo(false),
  sourceLabel: text().optional(),
  maxBytes: positiveWholeNumber().optional(),
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
  source: { flag: "--source", env: "CERTS_SOURCE" },
  ldif: { flag: "--ldif", env: "CERTS_LDIF" },
  crl: { flag: "--crl", env: "CERTS_CRL" },
  trustAnchor: { flag: "--trust-anchor", env: "CERTS_TRUST_ANCHOR" },
  csca: { flag: "--csca", env: "CERTS_CSCA" },
  deviationList: { flag: "--deviation-list", env: "CERTS_DEVIATION_LIST" },
  dryRun: { flag: "--dry-run", env: "CERTS_DRY_RUN" },
  verify: { flag: "--no-verify", env: "CERTS_VERIFY" },
  allowUnanchored: { flag: "--allow-unanchored", env: "CERTS_ALLOW_UNANCHORED" },
  strict: { flag: "--strict", env: "CERTS_STRICT" },
  allowCrlRollback: { flag: "--allow-crl-rollback", env: "CERTS_ALLOW_CRL_ROLLBACK" },
  keepUnverifiableDsc: { flag: "--keep-unverifiable-dsc", env: "CERTS_KEEP_UNVERIFIABLE_DSC" },
  excludeNonConformant: { flag: "--exclude-non-conformant", env: "CERTS_EXCLUDE_NON_CONFORMANT" },
  allowEmpty: { flag: "--allow-empty", env: "CERTS_ALLOW_EMPTY" },
  force: { flag: "--force" },
  sourceLabel: { flag: "--source-label", env: "CERTS_SOURCE_LABEL" },
  timeoutMs: { flag: "--timeout-ms", env: "CERTS_TIMEOUT_MS" },
  totalTimeoutMs: { flag: "--total-timeout-ms", env: "CERTS_TOTAL_TIMEOUT_MS" },
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
  serviceLoginUrl: { flag: "--service-login-url", env: "CERTS_SERVICE_LOGIN_URL" },
  serviceLoginBody: { flag: "--service-login-body", env: "CERTS_SERVICE_LOGIN_BODY" },
  serviceLoginHeader: { flag: "--service-login-header", env: "CERTS_SERVICE_LOGIN_HEADER" },
  cron: { flag: "--cron", env: "CERTS_CRON" },
  runOnStartup: { flag: "--run-on-startup", env: "CERTS_RUN_ON_STARTUP" },
  port: { flag: "--port", env: "CERTS_PORT" },
  host: { flag: "--host", env: "CERTS_HOST" },
  triggerToken: { flag: "--trigger-token", env: "CERTS_TRIGGER_TOKEN" },
} satisfies Record<string, SettingSource>;

/** `run`: flags, then CERTS_* environment variables, then defaults. */
export const syncSettings = settingsReader(syncSchema, sources);

/** `serve`: the `run` settings plus the schedule and the HTTP listener. */
export const serveSettings = settingsReader(serveSchema, sources);

/** `migrate`: only the common flags. */
export const migrateSettings = settingsReader(migrateSchema, {});

/** `inspect`. */
export const inspectSettings = settingsReader(inspectSchema, sources);

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
    ...(settings.totalTimeoutMs === undefined ? {} : { totalTimeoutMs: settings.totalTimeoutMs }),
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
    ...(settings.serviceLoginUrl === undefined
      ? {}
      : {
          serviceLogin: {
            url: settings.serviceLoginUrl,
            body:
              settings.serviceLoginBody === undefined
                ? {}
                : (JSON.parse(settings.serviceLoginBody) as unknown),
            ...(settings.serviceLoginHeader === undefined ? {} : { header: settings.serviceLoginHeader }),
          },
        }),
  };
}
