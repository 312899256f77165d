import { backoffDelayMs, redactSecrets } from "@certs/db";
import { type AppError, appError, err, ErrorCode, ok, type Result } from "@certs/result";
import {
  type AttemptFailure,
  describeStatus,
  formatByteLimit,
  formatDuration,
  requestSignal,
  thrownFailure,
} from "./attempt-failure.js";
import { type DownloadOptions, type DownloadPlan, planDownload } from "./download-options.js";
import { conditionalHeaders } from "./conditional-request.js";
import { forgetOidcToken, oidcAccessToken } from "./oidc-token.js";
import { DEFAULT_SERVICE_LOGIN_HEADER, forgetServiceToken, serviceLoginToken } from "./service-login.js";
import { fetchFollowingRedirects } from "./follow-redirects.js";
import { discardBody, readLimitedBody } from "./response-body.js";
import { retryAfterMs } from "./retry-after.js";
import { redactSourceUrl } from "./source-url.js";

/** The body of a successful download and what the server said about it. */
export interface DownloadedSource {
  readonly bytes: Uint8Array;
  /** Where the bytes came from: the final URL after redirects, without `user:password@`. */
  readonly url: string;
  readonly contentType?: string;
  readonly etag?: string;
  readonly lastModified?: string;
  /** True when a conditional request (`conditional`) was answered 304 Not Modified: `bytes` is then empty. */
  readonly notModified?: boolean;
  /** Attempts used under the retry policy, from 1 (a 401 answered by a token refresh stays one attempt). */
  readonly attempts: number;
}

/**
 * GETs `url` (http or https) into memory, within a time and size limit per request and a total deadline for
 * all attempts, retrying network errors, timeouts, 5xx, 408 and 429 with backoff and full jitter (or the
 * server's `Retry-After`), never other 4xx nor a redirect loop or a redirect to another scheme.
 * Authenticates with static `headers`, a `bearerToken`, `user:password@` in the URL (sent as Basic), or an
 * OpenID Connect token (`oidc`), whose cached token is renewed once when the source answers 401. Redirects
 * are followed by hand: the headers and credentials go only to the source URL's origin, never to another
 * origin a redirect points at. With `serviceLogin`, the bearer token logs in once more and the service token
 * it returns goes in its own header (same origin rule). With `conditional`, a 304 is a success without bytes.
 *
 * Fails with DOWNLOAD_ERROR (the message names the redacted URL and what happened), CONFIGURATION_ERROR
 * for unusable options, or CANCELLED when `signal` aborts. Tokens and passwords never appear in messages
 * or logs.
 */
export async function downloadSource(
  url: string,
  options: DownloadOptions = {},
): Promise<Result<DownloadedSource>> {
  const planned = planDownload(url, options);
  if (!planned.ok) return planned;
  const plan = planned.value;
  const { policy, logger } = plan;
  const request = `GET ${plan.shownUrl}`;

  const deadline = performance.now() + plan.totalTimeoutMs;
  const remainingMs = () => Math.floor(deadline - performance.now());

  for (let attempt = 1; ; attempt += 1) {
    if (plan.signal?.aborted === true) return err(cancelled(request, attempt, plan.signal.reason));
    // The last attempts get only what is left of the total deadline.
    const timeoutMs = Math.max(1, Math.min(plan.timeoutMs, remainingMs()));
    const outcome = await attemptDownload({ ...plan, timeoutMs }, request);
    if (outcome.ok) {
      logger.debug(
        { url: plan.shownUrl, bytes: outcome.value.bytes.byteLength, attempts: attempt },
        "downloaded",
      );
      return ok({ ...outcome.value, attempts: attempt });
    }
    const failure = outcome.error;
    if (failure.kind === "cancelled") return err(cancelled(request, attempt, failure.cause));
    if (!failure.retryable) return err(downloadError(plan, request, failure, attempt));
    if (remainingMs() <= 0) return err(deadlineError(plan, request, failure, attempt));
    if (attempt >= policy.maxAttempts) return err(downloadError(plan, request, failure, attempt));
    const delayMs =
      failure.retryAfterMs === undefined
        ? backoffDelayMs(policy, attempt, plan.random)
        : Math.min(failure.retryAfterMs, policy.maxDelayMs);
    if (delayMs >= remainingMs()) return err(deadlineError(plan, request, failure, attempt));
    logger.warn(
      {
        url: plan.shownUrl,
        attempt,
        maxAttempts: policy.maxAttempts,
        delayMs,
        ...(failure.status === undefined ? {} : { status: failure.status }),
        reason: redactSecrets(failure.reason, plan.secrets),
      },
      "download attempt failed; retrying",
    );
    await plan.sleep(delayMs, plan.signal);
  }
}

type Fetched = Omit<DownloadedSource, "attempts">;

// 408 and 429 say "later"; other 4xx say the request itself is wrong, and will be wrong again.
const RETRYABLE_STATUS = (status: number): boolean => status >= 500 || status === 408 || status === 429;

// One attempt: a token if needed, the GET and its redirects, the body. A 401 with an OIDC token renews it once, in the same attempt.
async function attemptDownload(
  plan: DownloadPlan,
  request: string,
): Promise<Result<Fetched, AttemptFailure>> {
  for (let renewed = false; ; renewed = true) {
    const headers = new Headers(plan.headers);
    let token: string | undefined;
    if (plan.oidc !== undefined) {
      const obtained = await oidcAccessToken(plan.oidc, plan);
      if (!obtained.ok) {
        const failure = obtained.error;
        if (failure.kind === "cancelled") return obtained;
        return err({ ...failure, sentence: `${request} failed: ${failure.reason}` });
      }
      token = obtained.value;
      headers.set("authorization", `Bearer ${token}`);
    }
    if (plan.serviceLogin !== undefined) {
      const bearer = token ?? /^Bearer (.+)$/.exec(headers.get("authorization") ?? "")?.[1] ?? "";
      const login = await serviceLoginToken(plan.serviceLogin, bearer, plan);
      if (!login.ok) {
        const failure = login.error;
        if (failure.kind === "cancelled") return login;
        // A refused OpenID Connect token may just have expired early: renew it once, as for the source.
        if (failure.status === 401 && plan.oidc !== undefined && token !== undefined && !renewed) {
          forgetOidcToken(plan.oidc, token);
          continue;
        }
        return err({ ...failure, sentence: `${request} failed: ${failure.reason}` });
      }
      headers.set(plan.serviceLogin.header ?? DEFAULT_SERVICE_LOGIN_HEADER, login.value);
    }
    const signal = requestSignal(plan.timeoutMs, plan.signal);
    const fetched = await fetchFollowingRedirects({
      fetch: plan.fetch,
      url: plan.requestUrl,
      request,
      headers,
      everyOrigin: conditionalHeaders(plan.conditional),
      signal,
      logger: plan.logger,
    });
    if (!fetched.ok) return fetched;
    const { response, url, sameOrigin } = fetched.value;
    const renewable = (token !== undefined && plan.oidc !== undefined) || plan.serviceLogin !== undefined;
    if (response.status === 401 && sameOrigin && renewable && !renewed) {
      await discardBody(response);
      if (token !== undefined && plan.oidc !== undefined) forgetOidcToken(plan.oidc, token);
      if (plan.serviceLogin !== undefined) forgetServiceToken(plan.serviceLogin);
      continue;
    }
    if (response.status === 304 && plan.conditional !== undefined) {
      await discardBody(response);
      return ok({
        bytes: new Uint8Array(0),
        url,
        notModified: true,
        ...header(response, "etag", "etag"),
        ...header(response, "last-modified", "lastModified"),
      });
    }
    if (!response.ok) {
      await discardBody(response);
      return err(statusFailure(plan, request, response, sameOrigin ? undefined : url));
    }
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (Number.isFinite(declared) && declared > plan.maxBytes) {
      await discardBody(response);
      return err(tooLarge(plan, request, declared));
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readLimitedBody(response, plan.maxBytes);
    } catch (error) {
      return err(thrownFailure(request, error, signal));
    }
    if (bytes === undefined) return err(tooLarge(plan, request, undefined));
    return ok({
      bytes,
      url,
      ...header(response, "content-type", "contentType"),
      ...header(response, "etag", "etag"),
      ...header(response, "last-modified", "lastModified"),
    });
  }
}

function header<K extends string>(response: Response, name: string, key: K): Partial<Record<K, string>> {
  const value = response.headers.get(name);
  return value === null ? {} : ({ [key]: value } as Record<K, string>);
}

// `elsewhere`: the other origin a redirect led to, where the source's headers were not sent.
function statusFailure(
  plan: DownloadPlan,
  request: string,
  response: Response,
  elsewhere: string | undefined,
): AttemptFailure {
  const status = describeStatus(response.status);
  const reason =
    elsewhere === undefined
      ? status
      : `${status} (from ${redactSourceUrl(elsewhere)}, another origin a redirect led to, where the source's headers are not sent)`;
  const retryAfter = retryAfterMs(response.headers.get("retry-after"), plan.clock().getTime());
  return {
    kind: "status",
    retryable: RETRYABLE_STATUS(response.status),
    sentence: `${request} answered ${reason}`,
    reason,
    status: response.status,
    ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
  };
}

function tooLarge(plan: DownloadPlan, request: string, declared: number | undefined): AttemptFailure {
  const limit = formatByteLimit(plan.maxBytes);
  const reason =
    declared === undefined
      ? `is larger than the ${limit} limit`
      : `is larger than the ${limit} limit (Content-Length ${declared})`;
  return { kind: "too_large", retryable: false, sentence: `${request} ${reason}`, reason };
}

function downloadError(
  plan: DownloadPlan,
  request: string,
  failure: AttemptFailure,
  attempts: number,
): AppError {
  const exhausted = failure.retryable && attempts > 1;
  const message = exhausted
    ? `${request} failed after ${attempts} attempts: ${failure.reason}`
    : failure.sentence;
  return appError(ErrorCode.DOWNLOAD_ERROR, redactSecrets(message, plan.secrets), {
    cause: failure.cause,
    details: {
      url: plan.shownUrl,
      attempts,
      ...(failure.status === undefined ? {} : { status: failure.status }),
      ...(failure.kind === "too_large" ? { maxBytes: plan.maxBytes } : {}),
    },
  });
}

// The next attempt could not start (or finish) before the deadline of all attempts.
function deadlineError(
  plan: DownloadPlan,
  request: string,
  failure: AttemptFailure,
  attempts: number,
): AppError {
  const tried = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
  const message = `${request} gave up after ${tried} within the total deadline of ${formatDuration(plan.totalTimeoutMs)}: ${failure.reason}`;
  return appError(ErrorCode.DOWNLOAD_ERROR, redactSecrets(message, plan.secrets), {
    cause: failure.cause,
    details: {
      url: plan.shownUrl,
      attempts,
      totalTimeoutMs: plan.totalTimeoutMs,
      ...(failure.status === undefined ? {} : { status: failure.status }),
    },
  });
}

function cancelled(request: string, attempt: number, reason: unknown): AppError {
  return appError(ErrorCode.CANCELLED, `${request} was cancelled`, { cause: reason, details: { attempt } });
}
