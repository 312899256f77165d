import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { z } from "zod";
import { COMMON_SOURCES } from "./common-flags.js";

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
  /** Where each key of the schema comes from; the common flags (`--db`, `--log-level`, ...) need no entry. */
  readonly sources: { readonly [K in keyof z.infer<S>]?: SettingSource };
  /** Values the user gave as flags (undefined: not given). */
  readonly flags: Readonly<Record<string, unknown>>;
  /** The environment (apps pass `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Merges settings in the order users expect (flags, then `CERTS_*` environment variables, then the
 * schema's defaults) and validates them up front. A bad value is a CONFIGURATION_ERROR in plain words that
 * names the flag or variable it came from: `--batch-size must be a whole number, got 'x'.`
 */
export function resolveSettings<S extends z.ZodObject>(input: ResolveSettingsInput<S>): Result<z.infer<S>> {
  const sources = input.sources as Readonly<Record<string, SettingSource | undefined>>;
  const sourceOf = (key: string): SettingSource | undefined =>
    sources[key] ?? (COMMON_SOURCES as Readonly<Record<string, SettingSource>>)[key];
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const key of Object.keys(input.schema.shape)) {
    const source = sourceOf(key);
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
  const parsed = input.schema.safeParse(merged, { error: plainMessage });
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? "");
  const where = origin[key] ?? sourceOf(key)?.flag ?? key;
  const value = valueAt(merged, issue?.path ?? []);
  // A refinement writes its whole sentence; a type, range or format check is followed by what was given.
  const given = issue?.code !== "custom" && isScalar(value) ? `, got '${String(value)}'` : "";
  return err(
    appError(ErrorCode.CONFIGURATION_ERROR, `${where} ${issue?.message ?? "is not valid"}${given}.`, {
      details: { setting: key, source: where },
    }),
  );
}

/** Plain words for the checks a schema did not word itself (zod's defaults read "Invalid input: ..."). */
function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.expected === "number" || issue.expected === "int") return "must be a whole number";
      if (issue.expected === "boolean") return "must be true or false";
      if (issue.expected === "array") return "must be a list";
      return "must be text";
    case "too_small":
      if (issue.origin === "string") return "must not be empty";
      if (issue.origin === "array") return `must have at least ${String(issue.minimum)} items`;
      if (!issue.inclusive) return `must be more than ${String(issue.minimum)}`;
      return Number(issue.minimum) === 0
        ? "must not be negative"
        : `must be at least ${String(issue.minimum)}`;
    case "too_big":
      return issue.inclusive
        ? `must be at most ${String(issue.maximum)}`
        : `must be less than ${String(issue.maximum)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}`;
    case "invalid_format":
      return issue.format === "url" ? "must be a URL" : `is not a valid ${issue.format}`;
    default:
      return undefined;
  }
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const step of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[step];
  }
  return current;
}

function isScalar(value: unknown): value is string | number {
  return typeof value === "string" || typeof value === "number";
}

/** Reads one command's settings from its flags and the environment (see {@link resolveSettings}). */
export type SettingsReader<T> = (
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
) => Result<T>;

/** The {@link SettingsReader} of a command: its schema and where each of its own settings comes from. */
export function settingsReader<S extends z.ZodObject>(
  schema: S,
  sources: ResolveSettingsInput<S>["sources"],
): SettingsReader<z.infer<S>> {
  return (flags, env) => resolveSettings({ schema, sources, flags, env });
}
