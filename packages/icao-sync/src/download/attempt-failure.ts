import { STATUS_CODES } from "node:http";

/** Why one attempt at a request did not produce a body, and whether another attempt could. */
export interface AttemptFailure {
  readonly kind: "status" | "network" | "timeout" | "too_large" | "bad_response" | "redirect" | "cancelled";
  /** Worth another attempt: network errors, timeouts, 5xx and 429. */
  readonly retryable: boolean;
  /** The whole message when this failure ends the request, e.g. `GET <url> answered 404 Not Found`. */
  readonly sentence: string;
  /** The same, without the request, for `failed after 5 attempts: <reason>` and the retry log. */
  readonly reason: string;
  readonly status?: number;
  /** What the server's `Retry-After` asked for. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** `404 Not Found`: the standard reason phrase, not the server's (which may be empty or anything at all). */
export function describeStatus(status: number): string {
  const phrase = STATUS_CODES[status];
  return phrase === undefined ? String(status) : `${status} ${phrase}`;
}

/** `60 s` for whole seconds, `250 ms` otherwise. */
export function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** `100 MiB`, `64 KiB` or `1000 bytes`, whichever is exact. */
export function formatByteLimit(bytes: number): string {
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10 && bytes % (1 << 10) === 0) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} bytes`;
}

const NETWORK_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed while sending",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_HEADERS_TIMEOUT: "no response headers in time",
  UND_ERR_BODY_TIMEOUT: "body stalled",
};

// TLS verification failures do not heal by retrying; they need a CA bundle or a fixed server.
const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/;

/** A thrown fetch or body-stream error as `{ reason, retryable }`, reading the innermost `code` it carries. */
export function describeNetworkError(error: unknown): { reason: string; retryable: boolean } {
  let innermost: unknown = error;
  let code: string | undefined;
  for (let depth = 0; depth < 5 && innermost instanceof Error; depth += 1) {
    const own = (innermost as { code?: unknown }).code;
    if (typeof own === "string") code = own;
    if (!(innermost.cause instanceof Error)) break;
    innermost = innermost.cause;
  }
  const message = innermost instanceof Error ? innermost.message : String(innermost);
  if (code !== undefined && TLS_ERROR.test(code)) {
    return { reason: `the server's TLS certificate was rejected (${code}: ${message})`, retryable: false };
  }
  if (code !== undefined) {
    const known = NETWORK_ERRORS[code];
    return { reason: known === undefined ? `${message} (${code})` : `${known} (${code})`, retryable: true };
  }
  return { reason: message, retryable: true };
}

/** The signal of one request: the caller's cancellation and this request's own deadline, told apart. */
export interface RequestSignal {
  readonly signal: AbortSignal;
  readonly caller: AbortSignal | undefined;
  readonly deadline: AbortSignal;
  readonly timeoutMs: number;
}

/** A fresh deadline of `timeoutMs` for one request (headers and body), combined with the caller's signal. */
export function requestSignal(timeoutMs: number, caller: AbortSignal | undefined): RequestSignal {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = caller === undefined ? deadline : AbortSignal.any([caller, deadline]);
  return { signal, caller, deadline, timeoutMs };
}

/** What a thrown fetch or body error means, judged by which signal (if any) fired: cancel, timeout, or network. */
export function thrownFailure(request: string, error: unknown, signal: RequestSignal): AttemptFailure {
  if (signal.caller?.aborted === true) {
    return {
      kind: "cancelled",
      retryable: false,
      sentence: `${request} was cancelled`,
      reason: "cancelled",
      cause: signal.caller.reason,
    };
  }
  if (signal.deadline.aborted) {
    const reason = `timed out after ${formatDuration(signal.timeoutMs)}`;
    return { kind: "timeout", retryable: true, sentence: `${request} ${reason}`, reason, cause: error };
  }
  const { reason, retryable } = describeNetworkError(error);
  return { kind: "network", retryable, sentence: `${request} failed: ${reason}`, reason, cause: error };
}
