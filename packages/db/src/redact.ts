/** What every redacted secret is replaced with. */
export const REDACTED = "***";

// `scheme://user:secret@` anywhere in text; the secret runs to the last `@` of the token, so a raw `@`
// or `/` inside a password is still masked (masking too much is safe, masking too little is not).
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@'"]*:)[^\s'"]*@/gi;
// `password=secret` in query strings and libpq/JDBC-style key=value strings, quoted or not.
const KEY_VALUE_PASSWORD = /\b(password|passwd|pwd)(\s*=\s*)('[^']*'|"[^"]*"|[^\s&;,'"]+)/gi;
// `"password": "secret"` in JSON text.
const JSON_PASSWORD = /("(?:password|passwd|pwd)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/**
 * Replaces the password in a connection URL with `***`, keeping user, host, port and database so the
 * URL still says where it points. Text that is not a URL is redacted as free text.
 */
export function redactUrl(url: string): string {
  return redactSecrets(url);
}

/**
 * Masks secrets in free text: passwords in `scheme://user:password@host` URLs, `password=...` pairs and
 * JSON `"password": "..."` members, plus every literal in `secrets` (for passwords known to the caller).
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let redacted = text;
  for (const secret of secrets) {
    // A one-character "secret" would shred the text and hide nothing worth hiding.
    if (secret.length >= 2) redacted = redacted.split(secret).join(REDACTED);
  }
  return redacted
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(KEY_VALUE_PASSWORD, `$1$2${REDACTED}`)
    .replace(JSON_PASSWORD, `$1"${REDACTED}"`);
}

/** A plain, JSON-safe description of an error for logs, with secrets masked in every string it carries. */
export interface RedactedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly errno?: number;
  readonly sqlState?: string;
  readonly stack?: string;
  readonly cause?: RedactedError;
}

/**
 * Turns any thrown value into a {@link RedactedError} to log instead of the raw error, whose own
 * properties (a driver's config, a query's parameters) could carry a password.
 */
export function redactError(error: unknown, secrets: readonly string[] = []): RedactedError {
  return describe(error, secrets, 0);
}

function describe(error: unknown, secrets: readonly string[], depth: number): RedactedError {
  if (!(error instanceof Error) && (typeof error !== "object" || error === null)) {
    return { name: "Error", message: redactSecrets(String(error), secrets) };
  }
  const fields = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    errno?: unknown;
    sqlState?: unknown;
    stack?: unknown;
    cause?: unknown;
  };
  const described: {
    name: string;
    message: string;
    code?: string;
    errno?: number;
    sqlState?: string;
    stack?: string;
    cause?: RedactedError;
  } = {
    name: typeof fields.name === "string" ? fields.name : "Error",
    message: redactSecrets(typeof fields.message === "string" ? fields.message : String(error), secrets),
  };
  if (typeof fields.code === "string" || typeof fields.code === "number")
    described.code = String(fields.code);
  if (typeof fields.errno === "number") described.errno = fields.errno;
  if (typeof fields.sqlState === "string") described.sqlState = fields.sqlState;
  if (typeof fields.stack === "string") described.stack = redactSecrets(fields.stack, secrets);
  // Bounded: cause chains can be cyclic.
  if (fields.cause !== undefined && depth < 5) described.cause = describe(fields.cause, secrets, depth + 1);
  return described;
}
