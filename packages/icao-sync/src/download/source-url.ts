import { REDACTED, redactSecrets } from "@certs/db";

// Query parameters that carry credentials in practice: API keys, OAuth tokens, presigned-URL signatures
// (`X-Amz-Signature`, `X-Amz-Credential`, Azure's `sig`), session ids.
const SECRET_PARAMETER = /token|key|secret|pass|pwd|sig|credential|auth|session|code/i;

/**
 * A URL fit for messages and logs: the password of `user:password@` and the values of query parameters
 * that look like credentials are replaced with `***`, the fragment is dropped. Text that is not a URL is
 * masked as free text.
 */
export function redactSourceUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactSecrets(url);
  }
  if (parsed.password !== "") parsed.password = REDACTED;
  parsed.hash = "";
  const entries = [...parsed.searchParams.entries()];
  if (entries.some(([name]) => SECRET_PARAMETER.test(name))) {
    // Rebuilt by hand so `***` stays readable instead of being percent-encoded by URLSearchParams.
    parsed.search = entries
      .map(([name, value]) =>
        SECRET_PARAMETER.test(name)
          ? `${encodeURIComponent(name)}=${REDACTED}`
          : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
      )
      .join("&");
  }
  return parsed.href;
}

/** An http(s) URL split into what fetch may request and the `user:password@` credentials it refuses to carry. */
export interface HttpSourceUrl {
  /** The URL without credentials and fragment. */
  readonly requestUrl: string;
  readonly credentials?: { readonly username: string; readonly password: string };
}

/** Parses an http(s) URL; `undefined` for anything else. */
export function parseHttpUrl(url: string): HttpSourceUrl | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = "";
  parsed.password = "";
  parsed.hash = "";
  if (username === "" && password === "") return { requestUrl: parsed.href };
  return { requestUrl: parsed.href, credentials: { username, password } };
}
