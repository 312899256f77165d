import { redactSecrets } from "@certs/db";
import type { AppError } from "@certs/result";

/**
 * The one line an app prints on stderr when a job fails: `error: CODE: message`, with the cause's
 * message added when it says more. With `verbose`, the cause's stack follows on later lines.
 */
export function formatFailure(error: AppError, verbose = false): string {
  const cause = error.cause instanceof Error ? error.cause : undefined;
  let line = `error: ${error.code}: ${error.message}`;
  if (cause?.message && !error.message.includes(cause.message)) line += ` (${cause.message.split("\n")[0]})`;
  if (verbose && cause?.stack) line += `\n${cause.stack}`;
  return redactSecrets(line);
}
