import type { Logger } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import { type AttemptFailure, describeStatus } from "./attempt-failure.js";
import { badResponse, boundedPost } from "./bounded-post.js";
import { retryAfterMs } from "./retry-after.js";
import { parseHttpUrl, redactSourceUrl } from "./source-url.js";

/**
 * An OpenID Connect (OAuth 2.0) token request whose access token is sent to the source as
 * `Authorization: Bearer`. The token is cached per options object until shortly before `expires_in`, so
 * reuse the same object across downloads to reuse the token.
 */
export interface OidcOptions {
  /** The token endpoint, e.g. `https://idp.example/realms/pkd/protocol/openid-connect/token`. */
  readonly tokenUrl: string;
  readonly clientId: string;
  /** Required for `client_credentials`; optional for `password` (a public client has none). */
  readonly clientSecret?: string;
  readonly grant: "client_credentials" | "password";
  /** Required for the `password` grant. */
  readonly username?: string;
  /** Required for the `password` grant. */
  readonly password?: string;
  /** Space-separated scopes, e.g. `openid pkd.read`. */
  readonly scope?: string;
  /**
   * How the client authenticates: `post` (default) sends `client_id`/`client_secret` in the form body
   * (`client_secret_post`), `basic` sends them as HTTP Basic (`client_secret_basic`).
   */
  readonly clientAuthentication?: "post" | "basic";
}

/** What a token request needs from the download that makes it. */
export interface TokenRequestContext {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Strings to mask in messages; a token obtained here is added to it. */
  readonly secrets: string[];
}

interface CachedToken {
  readonly accessToken: string;
  /** When to stop using it; `undefined` when the server gave no `expires_in` (kept until a 401). */
  readonly refreshAtMs: number | undefined;
}

// Keyed by the caller's options object, so the cache lives exactly as long as the configuration does.
const tokenCache = new WeakMap<OidcOptions, CachedToken>();

// Renew this long before expiry (at most a tenth of the lifetime) so a token never expires in flight.
const EXPIRY_MARGIN_MS = 30_000;
const MAX_DESCRIPTION_LENGTH = 200;

/** What is wrong with `oidc`, or `undefined` when it can be used. */
export function oidcProblem(oidc: OidcOptions): string | undefined {
  if (parseHttpUrl(oidc.tokenUrl) === undefined) {
    return `oidc.tokenUrl must be an http or https URL, got ${JSON.stringify(redactSourceUrl(oidc.tokenUrl))}`;
  }
  if (typeof oidc.clientId !== "string" || oidc.clientId === "") return "oidc.clientId must not be empty";
  if (oidc.grant !== "client_credentials" && oidc.grant !== "password") {
    return `oidc.grant must be "client_credentials" or "password", got ${JSON.stringify(String(oidc.grant))}`;
  }
  const hasSecret = oidc.clientSecret !== undefined && oidc.clientSecret !== "";
  if (oidc.grant === "client_credentials" && !hasSecret) {
    return "oidc.clientSecret is required for the client_credentials grant";
  }
  if (oidc.grant === "password" && (oidc.username === undefined || oidc.username === "")) {
    return "oidc.username is required for the password grant";
  }
  if (oidc.grant === "password" && (oidc.password === undefined || oidc.password === "")) {
    return "oidc.password is required for the password grant";
  }
  if (oidc.clientAuthentication === "basic" && !hasSecret) {
    return 'oidc.clientAuthentication "basic" needs a clientSecret';
  }
  if (oidc.clientAuthentication !== undefined && !["post", "basic"].includes(oidc.clientAuthentication)) {
    return `oidc.clientAuthentication must be "post" or "basic", got ${JSON.stringify(String(oidc.clientAuthentication))}`;
  }
  return undefined;
}

/** The secrets inside `oidc`, to mask wherever text could echo them. */
export function oidcSecrets(oidc: OidcOptions): string[] {
  return [oidc.clientSecret, oidc.password].filter((s): s is string => s !== undefined && s !== "");
}

/** A cached access token for `oidc` that is not about to expire, or a fresh one from the token endpoint. */
export async function oidcAccessToken(
  oidc: OidcOptions,
  context: TokenRequestContext,
): Promise<Result<string, AttemptFailure>> {
  const cached = tokenCache.get(oidc);
  if (
    cached !== undefined &&
    (cached.refreshAtMs === undefined || context.clock().getTime() < cached.refreshAtMs)
  ) {
    return ok(cached.accessToken);
  }
  const fresh = await requestToken(oidc, context);
  if (!fresh.ok) return fresh;
  tokenCache.set(oidc, fresh.value);
  return ok(fresh.value.accessToken);
}

/** Drops `accessToken` from the cache after the source refused it (unless a newer token already replaced it). */
export function forgetOidcToken(oidc: OidcOptions, accessToken: string): void {
  if (tokenCache.get(oidc)?.accessToken === accessToken) tokenCache.delete(oidc);
}

function tokenRequestBody(oidc: OidcOptions): URLSearchParams {
  const form = new URLSearchParams({ grant_type: oidc.grant });
  if (oidc.grant === "password") {
    form.set("username", oidc.username ?? "");
    form.set("password", oidc.password ?? "");
  }
  if (oidc.scope !== undefined && oidc.scope !== "") form.set("scope", oidc.scope);
  if (oidc.clientAuthentication !== "basic") {
    form.set("client_id", oidc.clientId);
    if (oidc.clientSecret !== undefined && oidc.clientSecret !== "")
      form.set("client_secret", oidc.clientSecret);
  }
  return form;
}

function basicCredentials(oidc: OidcOptions): string {
  // RFC 6749 §2.3.1: both parts are form-urlencoded before the Basic encoding.
  const pair = `${encodeURIComponent(oidc.clientId)}:${encodeURIComponent(oidc.clientSecret ?? "")}`;
  return `Basic ${Buffer.from(pair).toString("base64")}`;
}

async function requestToken(
  oidc: OidcOptions,
  context: TokenRequestContext,
): Promise<Result<CachedToken, AttemptFailure>> {
  const request = `the token request POST ${redactSourceUrl(oidc.tokenUrl)}`;
  const headers = new Headers({ accept: "application/json" });
  if (oidc.clientAuthentication === "basic") headers.set("authorization", basicCredentials(oidc));
  const answer = await boundedPost(
    {
      request,
      url: oidc.tokenUrl,
      headers,
      // The form carries the client secret or the password: it goes to the configured endpoint only.
      body: tokenRequestBody(oidc),
      redirectRefusal:
        "redirects are not followed, so the credentials go only to the configured token endpoint",
    },
    context,
  );
  if (!answer.ok) return answer;
  const { response, body } = answer.value;
  const json = parseJson(body);
  if (!response.ok) {
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    const reason = `answered ${describeStatus(response.status)}${oauthError(json)}`;
    const retryAfter = retryAfterMs(response.headers.get("retry-after"), context.clock().getTime());
    return err({
      kind: "status",
      retryable,
      sentence: `${request} ${reason}`,
      reason: `${request} ${reason}`,
      status: response.status,
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
    });
  }
  const accessToken = json?.["access_token"];
  if (typeof accessToken !== "string" || accessToken === "") {
    return err(badResponse(request, "answered without an access_token"));
  }
  const tokenType = json?.["token_type"];
  if (typeof tokenType === "string" && tokenType.toLowerCase() !== "bearer") {
    return err(
      badResponse(request, `answered with token_type ${JSON.stringify(tokenType)}; only Bearer is supported`),
    );
  }
  context.secrets.push(accessToken);
  const expiresInS = Number(json?.["expires_in"]);
  const lifetimeMs = Number.isFinite(expiresInS) && expiresInS > 0 ? expiresInS * 1000 : undefined;
  const refreshAtMs =
    lifetimeMs === undefined
      ? undefined
      : context.clock().getTime() + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 10);
  context.logger.debug(
    {
      tokenUrl: redactSourceUrl(oidc.tokenUrl),
      grant: oidc.grant,
      expiresInS: lifetimeMs === undefined ? null : expiresInS,
    },
    "obtained an OpenID Connect access token",
  );
  return ok({ accessToken, refreshAtMs });
}

function parseJson(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(body));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// ` (invalid_grant: Invalid user credentials)` from an RFC 6749 §5.2 error response, or nothing.
function oauthError(json: Record<string, unknown> | undefined): string {
  const code = json?.["error"];
  if (typeof code !== "string" || code === "") return "";
  const description = json?.["error_description"];
  if (typeof description !== "string" || description === "") return ` (${code})`;
  const short =
    description.length > MAX_DESCRIPTION_LENGTH
      ? `${description.slice(0, MAX_DESCRIPTION_LENGTH)}…`
      : description;
  return ` (${code}: ${short})`;
}
