import { err, ok, type Result } from "@certs/result";
import { type AttemptFailure, describeStatus, requestSignal, thrownFailure } from "./attempt-failure.js";
import { discardBody, readLimitedBody } from "./response-body.js";

/** What a credential POST needs from the download that makes it. */
export interface BoundedPostContext {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/** One credential-carrying POST: where it goes, what it sends, and how a refused redirect is explained. */
export interface BoundedPostRequest {
  /** Names the request in every message, e.g. `the token request POST https://idp.example/token`. */
  readonly request: string;
  readonly url: string;
  readonly headers: NonNullable<RequestInit["headers"]>;
  readonly body: NonNullable<RequestInit["body"]>;
  /** Follows `answered 302 Found: ` when the endpoint redirects, e.g. why the credentials stay put. */
  readonly redirectRefusal: string;
}

/** The answer of a bounded POST that neither failed in flight, was too large, nor redirected. */
export interface BoundedPostAnswer {
  readonly response: Response;
  readonly body: Uint8Array;
}

// A token answer is a few kilobytes; anything this large is not one.
const MAX_ANSWER_BYTES = 1 << 20;

/**
 * POSTs credentials to exactly the configured endpoint (redirects are refused, never followed) and reads at
 * most 1 MiB of the answer, under the context's deadline and cancellation. Status codes other than 3xx are
 * left to the caller, which knows what a refusal means for its login.
 */
export async function boundedPost(
  post: BoundedPostRequest,
  context: BoundedPostContext,
): Promise<Result<BoundedPostAnswer, AttemptFailure>> {
  const signal = requestSignal(context.timeoutMs, context.signal);
  let response: Response;
  let body: Uint8Array | undefined;
  try {
    response = await context.fetch(post.url, {
      method: "POST",
      headers: post.headers,
      body: post.body,
      signal: signal.signal,
      redirect: "manual",
    });
    body = await readLimitedBody(response, MAX_ANSWER_BYTES);
  } catch (error) {
    const failure = thrownFailure(post.request, error, signal);
    // The reason names the POST, so "GET <source> failed: <reason>" says which request failed.
    return err({ ...failure, reason: failure.sentence });
  }
  if (body === undefined) {
    await discardBody(response);
    return err(badResponse(post.request, "is larger than 1 MiB"));
  }
  if (response.status >= 300 && response.status < 400) {
    return err(
      badResponse(post.request, `answered ${describeStatus(response.status)}: ${post.redirectRefusal}`),
    );
  }
  return ok({ response, body });
}

/** A non-retryable failure whose message is `<request> <what>`. */
export function badResponse(request: string, what: string): AttemptFailure {
  return {
    kind: "bad_response",
    retryable: false,
    sentence: `${request} ${what}`,
    reason: `${request} ${what}`,
  };
}
