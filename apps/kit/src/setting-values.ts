import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const WHOLE = /^[+-]?\d+$/;

/**
 * A whole number, from a flag or a `CERTS_*` variable (text) or a default. Only digits count: zod's own
 * coercion would take "", "1e3" and "0x10" as numbers.
 */
export function wholeNumber(bounds: { readonly min?: number; readonly max?: number } = {}) {
  let number = z.number({ error: "must be a whole number" }).int({ error: "must be a whole number" });
  if (bounds.min !== undefined) {
    number = number.min(bounds.min, {
      error: bounds.min === 0 ? "must not be negative" : `must be at least ${bounds.min}`,
    });
  }
  if (bounds.max !== undefined) number = number.max(bounds.max, { error: `must be at most ${bounds.max}` });
  return z.preprocess(
    (value) => (typeof value === "string" && WHOLE.test(value.trim()) ? Number(value.trim()) : value),
    number,
  );
}

/** A whole number of at least 1 (and at most `max`). */
export function positiveWholeNumber(max?: number) {
  return wholeNumber(max === undefined ? { min: 1 } : { min: 1, max });
}

/** One of a few words, e.g. a mode or a log level. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(", ")}` });
}

/** Text that must not be empty (a path, a name, a URL checked later). */
export function text() {
  return z.string({ error: "must be text" }).min(1, { error: "must not be empty" });
}

/** An http:// or https:// URL. */
export function httpUrl() {
  return z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
}

/** A yes/no setting: a flag arrives as a boolean, a variable as text (1/0, true/false, yes/no, on/off). */
export function yesNo(fallback: boolean) {
  return z.preprocess(
    (value) => {
      if (typeof value !== "string") return value;
      const word = value.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(word)) return true;
      if (["0", "false", "no", "off"].includes(word)) return false;
      return value;
    },
    z.boolean({ error: "must be true or false (yes/no, 1/0)" }).default(fallback),
  );
}

/**
 * A list setting: a repeated flag arrives as an array, a variable as text with one item per `separator`
 * (a line or a comma). Each item must pass `item` (default: non-empty text).
 */
export function listOf<T extends z.ZodType<string>>(separator: RegExp, item?: T) {
  return z.preprocess(
    (value) =>
      typeof value === "string"
        ? value
            .split(separator)
            .map((part) => part.trim())
            .filter((part) => part !== "")
        : value,
    z.array(item ?? text()).default([]),
  );
}

/**
 * A path the app will write a file to at the end of its work (a report): checked up front, so a typo in the
 * directory is bad usage (exit 2) rather than a job that did everything and then could not save its report.
 */
export function writableFilePath() {
  return text().superRefine((value, ctx) => {
    const target = path.resolve(value);
    const directory = path.dirname(target);
    if (statSync(target, { throwIfNoEntry: false })?.isDirectory() === true) {
      ctx.addIssue({ code: "custom", message: `cannot be written: ${target} is a directory` });
      return;
    }
    try {
      accessSync(directory, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      ctx.addIssue({
        code: "custom",
        message:
          code === "ENOENT"
            ? `cannot be written: the directory ${directory} does not exist`
            : `cannot be written: the directory ${directory} is not writable (${code ?? "unknown error"})`,
      });
    }
  });
}
