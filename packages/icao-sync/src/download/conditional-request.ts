/**
 * What an earlier download of the same URL said about its body, sent back as `If-None-Match` and
 * `If-Modified-Since`: a server whose body has not changed answers 304 Not Modified, with no body.
 */
export interface ConditionalRequest {
  /** The `ETag` of the earlier response, as the server sent it (quotes and `W/` included). */
  readonly etag?: string;
  /** The `Last-Modified` of the earlier response (an HTTP date). */
  readonly lastModified?: string;
}

/** What is wrong with `conditional`, or `undefined`. */
export function conditionalProblem(conditional: ConditionalRequest): string | undefined {
  for (const [name, value] of [
    ["etag", conditional.etag],
    ["lastModified", conditional.lastModified],
  ] as const) {
    if (value !== undefined && (value === "" || /[\r\n\0]/.test(value))) {
      return `conditional.${name} must be a non-empty header value without line breaks`;
    }
  }
  return undefined;
}

/** The `If-None-Match` / `If-Modified-Since` headers for `conditional` (none when it is undefined). */
export function conditionalHeaders(conditional: ConditionalRequest | undefined): Headers {
  const headers = new Headers();
  if (conditional?.etag !== undefined) headers.set("if-none-match", conditional.etag);
  if (conditional?.lastModified !== undefined) headers.set("if-modified-since", conditional.lastModified);
  return headers;
}
