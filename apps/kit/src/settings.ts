import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { z } from "zod";

/** Where one setting can come from: a command-line flag, and an environment variable. */
export interface SettingSource {
  /** The flag as the user types it, e.g. `--batch-size`. */
  readonly flag: string;
  /** The environment variable, e.g. `CERTS_BATCH_SIZE`. */
  readonly env?: string;
}

/** Settings for {@link resolveSettings}. */
export interface ResolveSettingsInput<S extends z.ZodObject> {
  /** Validates and coerces the merged values, and holds the defaults. */
  readonly schema: S;
  /** Where each key of the schema comes from. */
  readonly sources: { readonly [K in keyof z.infer<S>]?: SettingSource };
  /** Values the user gave as flags (undefined: not given). */
  readonly flags: Readonly<Record<string, unknown>>;
  /** The environment (apps pass `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Merges settings in the order users expect (flags, then `CERTS_*` environment variables, then the
 * schema's defaults) and validates them up front. A bad value is a CONFIGURATION_ERROR whose message
 * names the flag or variable it came from.
 */
export function resolveSettings<S extends z.ZodObject>(input: ResolveSettingsInput<S>): Result<z.infer<S>> {
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const key of Object.keys(input.schema.shape)) {
    const source = (input.sources as Record<string, SettingSource | undefined>)[key];
    const fromFlag = input.flags[key];
    const fromEnv = source?.env === undefined ? undefined : input.env[source.env];
    if (fromFlag !== undefined) {
      merged[key] = fromFlag;
      origin[key] = source?.flag ?? key;
    } else if (fromEnv !== undefined && fromEnv !== "") {
      merged[key] = fromEnv;
      origin[key] = source?.env ?? key;
    } else {
      origin[key] = source?.flag ?? key;
    }
  }
  const parsed = input.schema.safeParse(merged);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? "");
  const where = origin[key] ?? key;
  const given = merged[key] === undefined ? "" : ` (got ${JSON.stringify(merged[key])})`;
  return err(
    appError(ErrorCode.CONFIGURATION_ERROR, `${where}: ${issue?.message ?? "invalid value"}${given}.`, {
      details: { setting: key, source: where },
    }),
  );
}
