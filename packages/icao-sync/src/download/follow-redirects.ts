import type { Logger } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import { type AttemptFailure, describeStatus, type RequestSignal, thrownFailure } from "./attempt-failure.js";
import { discardBody } from "./response-body.js";
import { parseHttpUrl, redactSourceUrl } from "./source-url.js";

/** The most redirects one request follows; a PKD mirror or CDN needs one or two. */
export const MAX_REDIRECTS = 10;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** What one GET needs to follow its redirects by hand. */
export interface RedirectingRequest {
  readonly fetch: typeof fetch;
  /** The source URL, without credentials: only its origin gets `headers`. */
  readonly url: string;
  /** `GET <shown url>`, the start of every message. */
  readonly request: string;
  /** The headers the caller gave (and its authentication), sent only to the source's origin. */
  readonly headers: Headers;
  /** Headers that carry no credential (`If-None-Match`, ...), sent to every origin on the way. */
  readonly everyOrigin?: Headers;
  readonly signal: RequestSignal;
  readonly logger: Logger;
}

/** The response that ended the redirects, where it came from, and whether that is still the source's origin. */
export interface FinalResponse {
  readonly response: Response;
  readonly url: string;
  readonly sameOrigin: boolean;
}

/**
 * GETs `url`, following up to {@link MAX_REDIRECTS} redirects itself so that the caller's headers (API
 * keys, Authorization, cookies: whatever was given) go only to the source's origin and never to another
 * origin a redirect points at. A loop, too many hops, a redirect without a Location or to a scheme other
 * than http(s) is a failure that no retry can heal.
 */
export async function fetchFollowingRedirects(
  request: RedirectingRequest,
): Promise<Result<FinalResponse, AttemptFailure>> {
  const sourceOrigin = new URL(request.url).origin;
  const visited = new Set<string>();
  let url = request.url;
  for (let hops = 0; ; hops += 1) {
    visited.add(url);
    const sameOrigin = new URL(url).origin === sourceOrigin;
    let response: Response;
    try {
      response = await request.fetch(url, {
        headers: hopHeaders(request, sameOrigin),
        signal: request.signal.signal,
        redirect: "manual",
      });
    } catch (error) {
      return err(thrownFailure(request.request, error, request.signal));
    }
    if (!REDIRECT_STATUSES.has(response.status)) return ok({ response, url, sameOrigin });
    await discardBody(response);
    const next = redirectTarget(request.request, url, response, visited, hops);
    if (!next.ok) return next;
    const nextOrigin = new URL(next.value).origin;
    if (sameOrigin && nextOrigin !== sourceOrigin && [...request.headers.keys()].length > 0) {
      request.logger.info(
        { from: redactSourceUrl(url), to: redactSourceUrl(next.value) },
        "redirected to another origin: the source's request headers are not sent there",
      );
    }
    url = next.value;
  }
}

function hopHeaders(request: RedirectingRequest, sameOrigin: boolean): Headers {
  const headers = new Headers(request.everyOrigin);
  if (sameOrigin) for (const [name, value] of request.headers) headers.set(name, value);
  return headers;
}

// Where a redirect response points, or why it is not followed.
function redirectTarget(
  request: string,
  from: string,
  response: Response,
  visited: ReadonlySet<string>,
  hops: number,
): Result<string, AttemptFailure> {
  const status = describeStatus(response.status);
  const location = response.headers.get("location");
  if (location === null || location.trim() === "") {
    return deterministic(request, `answered ${status} without a Location header`, response.status);
  }
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    return deterministic(
      request,
      `answered ${status} with a Location that is not a URL: ${JSON.stringify(location.slice(0, 200))}`,
      response.status,
    );
  }
  const parsed = parseHttpUrl(target.href);
  if (parsed === undefined) {
    return deterministic(
      request,
      `was redirected to ${redactSourceUrl(target.href)}: only http and https redirects are followed`,
      response.status,
    );
  }
  if (visited.has(parsed.requestUrl)) {
    return deterministic(
      request,
      `was redirected in a loop: ${redactSourceUrl(parsed.requestUrl)} was already requested`,
      response.status,
    );
  }
  if (hops + 1 > MAX_REDIRECTS) {
    return deterministic(request, `was redirected more than ${MAX_REDIRECTS} times`, response.status);
  }
  return ok(parsed.requestUrl);
}

function deterministic(request: string, reason: string, status: number): Result<never, AttemptFailure> {
  return err({ kind: "redirect", retryable: false, sentence: `${request} ${reason}`, reason, status });
}
