import {
  abortableSleep,
  type Logger,
  type RetryPolicy,
  type Sleep,
  silentLogger,
  validateRetryPolicy,
} from "@certs/db";
import { type AppError, appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { type ConditionalRequest, conditionalProblem } from "./conditional-request.js";
import { type OidcOptions, oidcProblem, oidcSecrets } from "./oidc-token.js";
import { type ServiceLoginOptions, serviceLoginProblem, serviceLoginSecrets } from "./service-login.js";
import { parseHttpUrl, redactSourceUrl } from "./source-url.js";

/** Options of `downloadSource` and `loadSource`; every one has a default. */
export interface DownloadOptions {
  /** The fetch to use (e.g. one with a proxy dispatcher); default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /** Limit for one request, headers and body together; default 60 s. A timeout is retried. */
  readonly timeoutMs?: number;
  /**
   * Limit for all attempts at one source together, waits between them included; default 5 min. When the
   * next attempt could not start before it, the download ends with the last attempt's failure.
   */
  readonly totalTimeoutMs?: number;
  /** Largest body accepted, counted as it streams in; default 100 MiB. Exceeding it is not retried. */
  readonly maxBytes?: number;
  /** Attempts and backoff (full jitter); default {@link defaultDownloadRetryPolicy}. `maxDelayMs` also caps `Retry-After`. */
  readonly retry?: RetryPolicy;
  /** Sent with every request to the source (not to the token endpoint). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly bearerToken?: string;
  /** Obtain the bearer token from an OpenID Connect token endpoint. */
  readonly oidc?: OidcOptions;
  /** After the bearer token (`oidc` or `bearerToken`), a second login whose token goes in its own header. */
  readonly serviceLogin?: ServiceLoginOptions;
  /**
   * Validators of an earlier download: sent as `If-None-Match` / `If-Modified-Since`, and a 304 answer is
   * then a success with `notModified: true` and no bytes (without them a 304 is a failure).
   */
  readonly conditional?: ConditionalRequest;
  /** Aborting ends the download (also a wait between attempts) with a CANCELLED error. */
  readonly signal?: AbortSignal;
  /** Told about retries (`warn`) and tokens obtained (`debug`); URLs are redacted, secrets never logged. */
  readonly logger?: Logger;
  /** The wait between attempts; default a real timer that ends early on abort. */
  readonly sleep?: Sleep;
  /** A number in [0, 1) for the jitter; default `Math.random`. */
  readonly random?: () => number;
  /** Now, for token expiry and `Retry-After` dates; default the system clock. */
  readonly clock?: () => Date;
}

/** Five attempts, waits growing from 1 s (doubling, full jitter) up to 30 s. */
export const defaultDownloadRetryPolicy: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: true,
});

/** 60 s for one request, body included. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60_000;
/** 5 min for all attempts at one source: the default five attempts of 60 s and their waits fit. */
export const DEFAULT_DOWNLOAD_TOTAL_TIMEOUT_MS = 5 * 60_000;
/** 100 MiB: the full ICAO PKD LDIF is tens of MiB. */
export const DEFAULT_DOWNLOAD_MAX_BYTES = 100 * 1024 * 1024;

/** The options checked and filled in, ready for the attempts. */
export interface DownloadPlan {
  readonly requestUrl: string;
  /** The URL as shown in messages and logs. */
  readonly shownUrl: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly policy: RetryPolicy;
  readonly totalTimeoutMs: number;
  /** Static headers plus Basic (from URL credentials) or a static bearer token; only for the source's origin. */
  readonly headers: Headers;
  readonly oidc: OidcOptions | undefined;
  readonly serviceLogin: ServiceLoginOptions | undefined;
  readonly conditional: ConditionalRequest | undefined;
  readonly signal: AbortSignal | undefined;
  readonly logger: Logger;
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly clock: () => Date;
  /** Literal secrets to mask in every message (tokens obtained later are added). */
  readonly secrets: string[];
}

// Header names whose values are credentials, masked in messages should a server echo them.
const SECRET_HEADER = /authorization|cookie|token|key|secret|pass|auth|session/i;

/** Checks `options` for `url`; what is wrong is a CONFIGURATION_ERROR naming the option. */
export function planDownload(url: string, options: DownloadOptions): Result<DownloadPlan> {
  const shownUrl = redactSourceUrl(url);
  const parsed = parseHttpUrl(url);
  if (parsed === undefined) {
    return configurationError(
      `cannot download ${JSON.stringify(shownUrl)}: only http and https URLs are supported`,
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    return configurationError(`timeoutMs must be a whole number of milliseconds above 0, got ${timeoutMs}`);
  }
  const totalTimeoutMs = options.totalTimeoutMs ?? DEFAULT_DOWNLOAD_TOTAL_TIMEOUT_MS;
  if (!Number.isInteger(totalTimeoutMs) || totalTimeoutMs <= 0) {
    return configurationError(
      `totalTimeoutMs must be a whole number of milliseconds above 0, got ${totalTimeoutMs}`,
    );
  }
  const maxBytes = options.maxBytes ?? DEFAULT_DOWNLOAD_MAX_BYTES;
  const maxBytesIssue = maxBytesProblem(maxBytes);
  if (maxBytesIssue !== undefined) return configurationError(maxBytesIssue);
  const policy = options.retry ?? defaultDownloadRetryPolicy;
  const validPolicy = validateRetryPolicy(policy);
  if (!validPolicy.ok) return validPolicy;

  const secrets: string[] = [];
  const headers = new Headers();
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    try {
      headers.set(name, value);
    } catch {
      return configurationError(
        `header ${JSON.stringify(name)} has a name or value that HTTP does not allow`,
      );
    }
    if (SECRET_HEADER.test(name)) secrets.push(value);
  }
  const authorizations = [
    headers.has("authorization") ? "an Authorization header" : undefined,
    options.bearerToken !== undefined ? "bearerToken" : undefined,
    options.oidc !== undefined ? "oidc" : undefined,
    parsed.credentials !== undefined ? "user:password in the URL" : undefined,
  ].filter((what) => what !== undefined);
  if (authorizations.length > 1) {
    return configurationError(`give only one way to authenticate, got ${authorizations.join(" and ")}`);
  }
  if (options.bearerToken !== undefined) {
    if (options.bearerToken === "" || /[\r\n]/.test(options.bearerToken)) {
      return configurationError("bearerToken must be a non-empty string without line breaks");
    }
    headers.set("authorization", `Bearer ${options.bearerToken}`);
    secrets.push(options.bearerToken);
  }
  if (parsed.credentials !== undefined) {
    const { username, password } = parsed.credentials;
    headers.set("authorization", `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`);
    secrets.push(password);
  }
  if (options.oidc !== undefined) {
    const issue = oidcProblem(options.oidc);
    if (issue !== undefined) return configurationError(issue);
    secrets.push(...oidcSecrets(options.oidc));
  }
  if (options.serviceLogin !== undefined) {
    if (options.oidc === undefined && options.bearerToken === undefined) {
      return configurationError("serviceLogin needs a bearer token to log in with: give oidc or bearerToken");
    }
    const issue = serviceLoginProblem(options.serviceLogin);
    if (issue !== undefined) return configurationError(issue);
    secrets.push(...serviceLoginSecrets(options.serviceLogin));
  }
  if (options.conditional !== undefined) {
    const issue = conditionalProblem(options.conditional);
    if (issue !== undefined) return configurationError(issue);
  }
  return ok({
    requestUrl: parsed.requestUrl,
    shownUrl,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs,
    totalTimeoutMs,
    maxBytes,
    policy,
    headers,
    oidc: options.oidc,
    serviceLogin: options.serviceLogin,
    conditional: options.conditional,
    signal: options.signal,
    logger: options.logger ?? silentLogger,
    sleep: options.sleep ?? abortableSleep,
    random: options.random ?? Math.random,
    clock: options.clock ?? (() => new Date()),
    secrets,
  });
}

/** What is wrong with a `maxBytes` option, or `undefined`. */
export function maxBytesProblem(maxBytes: number): string | undefined {
  return Number.isSafeInteger(maxBytes) && maxBytes > 0
    ? undefined
    : `maxBytes must be a whole number above 0, got ${maxBytes}`;
}

function configurationError(message: string): Result<never, AppError> {
  return err(appError(ErrorCode.CONFIGURATION_ERROR, message));
}
