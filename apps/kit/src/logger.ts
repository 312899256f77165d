import { redactSecrets } from "@certs/db";
import pino, { type Logger as PinoLogger } from "pino";
import pretty from "pino-pretty";

/** Log levels the apps accept for `--log-level`. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings for {@link createAppLogger}. */
export interface AppLoggerOptions {
  readonly level: LogLevel;
  /** Human-readable lines instead of JSON; default: when stderr is a terminal. */
  readonly pretty?: boolean;
  /** Where the lines go; default stderr, so stdout stays free for results. */
  readonly destination?: NodeJS.WritableStream & { fd?: number };
}

/**
 * A pino logger for an app: JSON lines when stderr is not a terminal, readable lines when it is.
 * Every string it writes passes through password redaction, so a URL with a password never reaches a log.
 */
export function createAppLogger(options: AppLoggerOptions): PinoLogger {
  const destination = options.destination ?? process.stderr;
  const usePretty = options.pretty ?? Boolean((destination as { isTTY?: boolean }).isTTY);
  const base: pino.LoggerOptions = {
    level: options.level,
    base: null,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      streamWrite: (line) => redactSecrets(line),
    },
  };
  if (usePretty) {
    return pino(
      base,
      pretty({ destination, colorize: true, sync: true, ignore: "pid,hostname", translateTime: "HH:MM:ss" }),
    );
  }
  return pino(base, pino.destination({ dest: (destination as { fd?: number }).fd ?? 2, sync: true }));
}
