/**
 * The logging seam every @certs library takes: pino's method shape (`logger.info({ rows }, "copied")`),
 * so an app passes its pino logger and tests pass `silentLogger` or a recorder.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

function discard(): void {}

/** A logger that drops everything: the default wherever a logger is optional. */
export const silentLogger: Logger = Object.freeze({
  debug: discard,
  info: discard,
  warn: discard,
  error: discard,
});
