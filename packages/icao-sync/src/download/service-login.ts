import { err, ok, type Result } from "@certs/result";
import { type AttemptFailure, describeStatus } from "./attempt-failure.js";
import { badResponse, boundedPost } from "./bounded-post.js";
import { parseHttpUrl, redactSourceUrl } from "./source-url.js";

/**
 * A second login after the bearer token (as the original service does after its OpenID Connect token): a
 * `POST` of `body` as JSON to `url` with `Authorization: Bearer <token>`, whose answer is a service token
 * sent with the download in `header`. The answer's token is its JSON field `token`, else `access_token`,
 * else a JSON string, else the body text itself (one word). It is cached per options object and bearer
 * token, and renewed when the source answers 401.
 */
export interface ServiceLoginOptions {
  /** The login endpoint, e.g. `https://pkd.example/api/login`. */
  readonly url: string;
  /** Sent as the JSON body; default `{}`. */
  readonly body?: unknown;
  /** The download's header for the service token; default {@link DEFAULT_SERVICE_LOGIN_HEADER}. */
  readonly header?: string;
}

/** The header the original service reads its token from. */
export const DEFAULT_SERVICE_LOGIN_HEADER = "x-sfc-authorization";

/** What a service login needs from the download that makes it. */
export interface ServiceLoginContext {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  /** Strings to mask in messages; the service token obtained is added to it. */
  readonly secrets: string[];
}

interface CachedServiceToken {
  readonly bearer: string;
  readonly token: string;
}

// Keyed by the caller's options object, like the OpenID Connect token cache.
const serviceTokens = new WeakMap<ServiceLoginOptions, CachedServiceToken>();

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// A token in a header value: visible ASCII, no spaces.
const TOKEN_TEXT = /^[\x21-\x7e]{1,8192}$/;
// JSON fields whose values are credentials, masked in messages.
const SECRET_FIELD = /pass|secret|token|key|auth|credential/i;

/** What is wrong with `login`, or `undefined` when it can be used. */
export function serviceLoginProblem(login: ServiceLoginOptions): string | undefined {
  if (parseHttpUrl(login.url) === undefined) {
    return `serviceLogin.url must be an http or https URL, got ${JSON.stringify(redactSourceUrl(login.url))}`;
  }
  const header = login.header ?? DEFAULT_SERVICE_LOGIN_HEADER;
  if (!HEADER_NAME.test(header)) {
    return `serviceLogin.header must be an HTTP header name, got ${JSON.stringify(header)}`;
  }
  if (header.toLowerCase() === "authorization") {
    return "serviceLogin.header cannot be Authorization: that header carries the bearer token";
  }
  try {
    if (JSON.stringify(login.body ?? {}) === undefined) return "serviceLogin.body must be a JSON value";
  } catch {
    return "serviceLogin.body must be a JSON value";
  }
  return undefined;
}

/** The string values under credential-like keys of the login body, to mask wherever text could echo them. */
export function serviceLoginSecrets(login: ServiceLoginOptions): string[] {
  const found: string[] = [];
  const walk = (value: unknown, secret: boolean): void => {
    if (typeof value === "string") {
      if (secret && value !== "") found.push(value);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, secret);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(item, secret || SECRET_FIELD.test(key));
    }
  };
  walk(login.body, false);
  return found;
}

/** The cached service token for `login` and this bearer token, or a fresh one from the login endpoint. */
export async function serviceLoginToken(
  login: ServiceLoginOptions,
  bearer: string,
  context: ServiceLoginContext,
): Promise<Result<string, AttemptFailure>> {
  const cached = serviceTokens.get(login);
  if (cached !== undefined && cached.bearer === bearer) return ok(cached.token);
  const fresh = await requestServiceToken(login, bearer, context);
  if (!fresh.ok) return fresh;
  serviceTokens.set(login, { bearer, token: fresh.value });
  return fresh;
}

/** Drops the cached service token after the source refused it. */
export function forgetServiceToken(login: ServiceLoginOptions): void {
  serviceTokens.delete(login);
}

async function requestServiceToken(
  login: ServiceLoginOptions,
  bearer: string,
  context: ServiceLoginContext,
): Promise<Result<string, AttemptFailure>> {
  const request = `the service login POST ${redactSourceUrl(login.url)}`;
  const answer = await boundedPost(
    {
      request,
      url: login.url,
      headers: {
        authorization: `Bearer ${bearer}`,
        "content-type": "application/json",
        accept: "application/json, text/plain",
      },
      body: JSON.stringify(login.body ?? {}),
      // The bearer token and the body's credentials go to the configured endpoint only.
      redirectRefusal:
        "redirects are not followed, so the bearer token goes only to the configured login URL",
    },
    context,
  );
  if (!answer.ok) return answer;
  const { response, body } = answer.value;
  if (response.status === 401 || response.status === 403) {
    return err({
      kind: "status",
      retryable: false,
      status: response.status,
      sentence: `${request} answered ${describeStatus(response.status)}: the login refused the bearer token or the login body`,
      reason: `${request} answered ${describeStatus(response.status)}: the login refused the bearer token or the login body`,
    });
  }
  if (!response.ok) {
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    const reason = `${request} answered ${describeStatus(response.status)}`;
    return err({ kind: "status", retryable, status: response.status, sentence: reason, reason });
  }
  const token = tokenOf(new TextDecoder().decode(body));
  if (token === undefined) {
    return err(
      badResponse(
        request,
        "answered without a token (expected a JSON field token or access_token, or the token as the body)",
      ),
    );
  }
  context.secrets.push(token);
  return ok(token);
}

// `{"token": ...}`, `{"access_token": ...}`, `"..."`, or the body text itself.
function tokenOf(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text.trim();
  }
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    value = typeof record["token"] === "string" ? record["token"] : record["access_token"];
  }
  return typeof value === "string" && TOKEN_TEXT.test(value) ? value : undefined;
}
