import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { Logger, RetryPolicy, Sleep } from "@certs/db";
import { ErrorCode } from "@certs/result";
import { afterEach, describe, expect, it } from "vitest";
import { downloadSource } from "./download-source.js";
import { startTestServer, type TestServer } from "./http-test-server.js";

const fastRetry: RetryPolicy = {
  maxAttempts: 3,
  initialDelayMs: 100,
  maxDelayMs: 2_000,
  factor: 2,
  jitter: true,
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(routes: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  server = await startTestServer(routes);
  return server;
}

function recordingSleep(): { sleep: Sleep; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  };
}

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record = (obj: object, msg?: string): void => {
    lines.push(`${msg ?? ""} ${JSON.stringify(obj)}`);
  };
  return { lines, logger: { debug: record, info: record, warn: record, error: record } };
}

describe("downloadSource", () => {
  it("returns the body and the response's metadata", async () => {
    const body = randomBytes(70_000);
    const s = await serve({
      "/ml.bin": (_req, res) => {
        res.writeHead(200, {
          "content-type": "application/octet-stream",
          etag: '"v1"',
          "last-modified": "Tue, 01 Jul 2025 10:00:00 GMT",
        });
        res.end(body);
      },
    });
    const result = await downloadSource(s.url("/ml.bin"));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Buffer.from(result.value.bytes).equals(body)).toBe(true);
    expect(result.value).toMatchObject({
      url: s.url("/ml.bin"),
      contentType: "application/octet-stream",
      etag: '"v1"',
      lastModified: "Tue, 01 Jul 2025 10:00:00 GMT",
      attempts: 1,
    });
    expect(s.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("follows a redirect and reports the final URL", async () => {
    const s = await serve({
      "/old": (_req, res) => res.writeHead(302, { location: "/new" }).end(),
      "/new": (_req, res) => res.end("moved"),
    });
    const result = await downloadSource(s.url("/old"));
    expect(result.ok && Buffer.from(result.value.bytes).toString()).toBe("moved");
    expect(result.ok && result.value.url).toBe(s.url("/new"));
  });

  it("does not retry a 404 and names the URL and status", async () => {
    const s = await serve({ "/ml.bin": (_req, res) => res.writeHead(404, "Nope").end("missing") });
    const { sleep, waits } = recordingSleep();
    const result = await downloadSource(s.url("/ml.bin"), { sleep, retry: fastRetry });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(ErrorCode.DOWNLOAD_ERROR);
    expect(result.error.message).toBe(`GET ${s.url("/ml.bin")} answered 404 Not Found`);
    expect(result.error.details).toMatchObject({ status: 404, attempts: 1 });
    expect(s.requestsTo("/ml.bin")).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("does not retry a 403 either", async () => {
    const s = await serve({ "/ml.bin": (_req, res) => res.writeHead(403).end() });
    const result = await downloadSource(s.url("/ml.bin"), {
      sleep: recordingSleep().sleep,
      retry: fastRetry,
    });
    expect(!result.ok && result.error.message).toBe(`GET ${s.url("/ml.bin")} answered 403 Forbidden`);
    expect(s.requests).toHaveLength(1);
  });

  it("retries a 503 and succeeds on the second request, waiting a jittered backoff", async () => {
    const s = await serve({
      "/ml.bin": (_req, res, seen) => (seen === 0 ? res.writeHead(503).end() : res.end("list")),
    });
    const { sleep, waits } = recordingSleep();
    const { logger, lines } = recordingLogger();
    const result = await downloadSource(s.url("/ml.bin"), {
      sleep,
      random: () => 0.5,
      retry: fastRetry,
      logger,
    });
    expect(result.ok && Buffer.from(result.value.bytes).toString()).toBe("list");
    expect(result.ok && result.value.attempts).toBe(2);
    expect(s.requestsTo("/ml.bin")).toHaveLength(2);
    // Full jitter: half (random 0.5) of the first delay, 100 ms.
    expect(waits).toEqual([50]);
    expect(lines.some((line) => line.includes("retrying") && line.includes('"status":503'))).toBe(true);
  });

  it("gives up after the policy's attempts with the last status in the message", async () => {
    const s = await serve({ "/ml.bin": (_req, res) => res.writeHead(503).end() });
    const { sleep, waits } = recordingSleep();
    const result = await downloadSource(s.url("/ml.bin"), {
      sleep,
      random: () => 0.999,
      retry: { ...fastRetry, maxAttempts: 5, maxDelayMs: 500 },
    });
    expect(!result.ok && result.error.message).toBe(
      `GET ${s.url("/ml.bin")} failed after 5 attempts: 503 Service Unavailable`,
    );
    expect(s.requests).toHaveLength(5);
    // Ceilings 100, 200, 400, then capped at 500; random just under 1 takes nearly all of each.
    expect(waits).toEqual([99, 199, 399, 499]);
  });

  it("honours Retry-After in seconds on a 429", async () => {
    const s = await serve({
      "/ml.bin": (_req, res, seen) =>
        seen === 0 ? res.writeHead(429, { "retry-after": "1" }).end() : res.end("ok"),
    });
    const { sleep, waits } = recordingSleep();
    const result = await downloadSource(s.url("/ml.bin"), { sleep, retry: fastRetry });
    expect(result.ok).toBe(true);
    expect(waits).toEqual([1000]);
    expect(s.requests).toHaveLength(2);
  });

  it("honours Retry-After as an HTTP date, and caps it at the policy's maxDelayMs", async () => {
    const now = new Date("2025-07-01T10:00:00Z");
    const s = await serve({
      "/date": (_req, res, seen) =>
        seen === 0
          ? res.writeHead(503, { "retry-after": "Tue, 01 Jul 2025 10:00:03 GMT" }).end()
          : res.end("ok"),
      "/long": (_req, res, seen) =>
        seen === 0 ? res.writeHead(429, { "retry-after": "3600" }).end() : res.end("ok"),
    });
    const dated = recordingSleep();
    const roomy = { ...fastRetry, maxDelayMs: 5_000 };
    expect((await downloadSource(s.url("/date"), { ...dated, clock: () => now, retry: roomy })).ok).toBe(
      true,
    );
    expect(dated.waits).toEqual([3000]);
    const long = recordingSleep();
    expect((await downloadSource(s.url("/long"), { ...long, retry: fastRetry })).ok).toBe(true);
    expect(long.waits).toEqual([2000]);
  });

  it("times out on a server that never answers", async () => {
    const s = await serve({ "/hang": () => undefined });
    const started = Date.now();
    const result = await downloadSource(s.url("/hang"), {
      timeoutMs: 200,
      retry: { ...fastRetry, maxAttempts: 1 },
    });
    expect(!result.ok && result.error.code).toBe(ErrorCode.DOWNLOAD_ERROR);
    expect(!result.ok && result.error.message).toBe(`GET ${s.url("/hang")} timed out after 200 ms`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("retries timeouts and says so when they persist", async () => {
    const s = await serve({ "/hang": () => undefined });
    const { sleep } = recordingSleep();
    const result = await downloadSource(s.url("/hang"), {
      timeoutMs: 100,
      sleep,
      retry: { ...fastRetry, maxAttempts: 2 },
    });
    expect(!result.ok && result.error.message).toBe(
      `GET ${s.url("/hang")} failed after 2 attempts: timed out after 100 ms`,
    );
    expect(s.requests).toHaveLength(2);
  });

  it("counts the body in the timeout: a body that stalls times out", async () => {
    const s = await serve({
      "/stall": (_req, res) => {
        res.writeHead(200, { "content-length": "1000" });
        res.write(Buffer.alloc(10));
      },
    });
    const result = await downloadSource(s.url("/stall"), {
      timeoutMs: 300,
      retry: { ...fastRetry, maxAttempts: 1 },
    });
    expect(!result.ok && result.error.message).toBe(`GET ${s.url("/stall")} timed out after 300 ms`);
  });

  it("refuses a body whose Content-Length is over maxBytes without retrying", async () => {
    const s = await serve({ "/big": (_req, res) => res.end(Buffer.alloc(200 * 1024)) });
    const result = await downloadSource(s.url("/big"), { maxBytes: 100 * 1024, retry: fastRetry });
    expect(!result.ok && result.error.code).toBe(ErrorCode.DOWNLOAD_ERROR);
    expect(!result.ok && result.error.message).toBe(
      `GET ${s.url("/big")} is larger than the 100 KiB limit (Content-Length 204800)`,
    );
    expect(s.requests).toHaveLength(1);
  });

  it("stops reading an endless chunked body (no Content-Length) once it passes maxBytes", async () => {
    let clientHungUp = false;
    const s = await serve({
      "/endless": (req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        const chunk = Buffer.alloc(16 * 1024, 7);
        const timer = setInterval(() => res.write(chunk), 2);
        req.socket.on("close", () => {
          clientHungUp = true;
          clearInterval(timer);
        });
      },
    });
    const result = await downloadSource(s.url("/endless"), { maxBytes: 100 * 1024, timeoutMs: 20_000 });
    expect(!result.ok && result.error.message).toBe(
      `GET ${s.url("/endless")} is larger than the 100 KiB limit`,
    );
    expect(!result.ok && result.error.details).toMatchObject({ maxBytes: 100 * 1024 });
    await expect.poll(() => clientHungUp).toBe(true);
    expect(s.requests).toHaveLength(1);
  });

  it("counts decoded bytes: a small gzip Content-Length cannot smuggle a large body", async () => {
    const inflated = gzipSync(Buffer.alloc(1024 * 1024));
    const s = await serve({
      "/bomb": (_req, res) => {
        res.writeHead(200, { "content-encoding": "gzip", "content-length": inflated.byteLength });
        res.end(inflated);
      },
    });
    expect(inflated.byteLength).toBeLessThan(100 * 1024);
    const result = await downloadSource(s.url("/bomb"), { maxBytes: 100 * 1024 });
    expect(!result.ok && result.error.message).toBe(`GET ${s.url("/bomb")} is larger than the 100 KiB limit`);
  });

  it("accepts a body of exactly maxBytes", async () => {
    const s = await serve({ "/exact": (_req, res) => res.end(Buffer.alloc(1024, 1)) });
    const result = await downloadSource(s.url("/exact"), { maxBytes: 1024 });
    expect(result.ok && result.value.bytes.byteLength).toBe(1024);
  });

  it("retries a connection reset in the middle of the body", async () => {
    const body = randomBytes(50_000);
    const s = await serve({
      "/flaky": (req, res, seen) => {
        if (seen > 0) {
          res.end(body);
          return;
        }
        res.writeHead(200, { "content-length": body.byteLength });
        res.write(body.subarray(0, 10_000));
        setTimeout(() => req.socket.resetAndDestroy(), 20);
      },
    });
    const { sleep, waits } = recordingSleep();
    const result = await downloadSource(s.url("/flaky"), { sleep, retry: fastRetry });
    expect(result.ok && Buffer.from(result.value.bytes).equals(body)).toBe(true);
    expect(result.ok && result.value.attempts).toBe(2);
    expect(waits).toHaveLength(1);
  });

  it("reports a refused connection after the retries", async () => {
    const s = await serve({});
    const url = s.url("/gone");
    await s.close();
    server = undefined;
    const { sleep } = recordingSleep();
    const result = await downloadSource(url, { sleep, retry: { ...fastRetry, maxAttempts: 2 } });
    expect(!result.ok && result.error.message).toBe(
      `GET ${url} failed after 2 attempts: connection refused (ECONNREFUSED)`,
    );
  });

  it("sends static headers and a bearer token", async () => {
    const s = await serve({ "/ml.bin": (_req, res) => res.end("ok") });
    const result = await downloadSource(s.url("/ml.bin"), {
      headers: { "X-Api-Key": "key-123", Accept: "application/octet-stream" },
      bearerToken: "static-token-456",
    });
    expect(result.ok).toBe(true);
    const [seen] = s.requests;
    expect(seen?.headers["x-api-key"]).toBe("key-123");
    expect(seen?.headers.accept).toBe("application/octet-stream");
    expect(seen?.headers.authorization).toBe("Bearer static-token-456");
  });

  it("sends user:password from the URL as Basic and keeps the password out of messages", async () => {
    const s = await serve({
      "/ml.bin": (_req, res, seen) => (seen === 0 ? res.end("ok") : res.writeHead(404).end()),
    });
    const url = s.url("/ml.bin").replace("http://", "http://reader:pa%24%24word@");
    const first = await downloadSource(url);
    expect(first.ok).toBe(true);
    expect(s.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("reader:pa$$word").toString("base64")}`,
    );
    const second = await downloadSource(url);
    expect(!second.ok && second.error.message).toBe(
      `GET ${s.url("/ml.bin").replace("http://", "http://reader:***@")} answered 404 Not Found`,
    );
  });

  it("masks credential-like query parameters in messages and logs", async () => {
    const s = await serve({ "/ml.bin": (_req, res) => res.writeHead(500).end() });
    const { logger, lines } = recordingLogger();
    const result = await downloadSource(`${s.url("/ml.bin")}?access_token=sekrit-query&country=DE`, {
      logger,
      sleep: recordingSleep().sleep,
      retry: { ...fastRetry, maxAttempts: 2 },
    });
    expect(!result.ok && result.error.message).toBe(
      `GET ${s.url("/ml.bin")}?access_token=***&country=DE failed after 2 attempts: 500 Internal Server Error`,
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain("sekrit-query");
    expect(JSON.stringify(!result.ok && result.error.details)).not.toContain("sekrit-query");
    expect(s.requests[0]?.path).toBe("/ml.bin");
  });

  it("is CANCELLED when the signal aborts during a request", async () => {
    const s = await serve({ "/hang": () => undefined });
    const controller = new AbortController();
    const pending = downloadSource(s.url("/hang"), { signal: controller.signal, timeoutMs: 30_000 });
    await expect.poll(() => s.requests.length).toBe(1);
    controller.abort(new Error("user pressed Ctrl-C"));
    const result = await pending;
    expect(!result.ok && result.error.code).toBe(ErrorCode.CANCELLED);
    expect(!result.ok && result.error.message).toBe(`GET ${s.url("/hang")} was cancelled`);
  });

  it("is CANCELLED when the signal aborts while waiting to retry, without another request", async () => {
    const s = await serve({ "/ml.bin": (_req, res) => res.writeHead(503).end() });
    const controller = new AbortController();
    const { logger } = recordingLogger();
    const pending = downloadSource(s.url("/ml.bin"), {
      signal: controller.signal,
      logger,
      retry: { maxAttempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000, factor: 1, jitter: false },
    });
    await expect.poll(() => s.requests.length).toBe(1);
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    expect(!result.ok && result.error.code).toBe(ErrorCode.CANCELLED);
    expect(s.requests).toHaveLength(1);
  });

  it("is CANCELLED at once for a signal already aborted, sending nothing", async () => {
    const s = await serve({ "/ml.bin": (_req, res) => res.end("ok") });
    const result = await downloadSource(s.url("/ml.bin"), { signal: AbortSignal.abort() });
    expect(!result.ok && result.error.code).toBe(ErrorCode.CANCELLED);
    expect(s.requests).toHaveLength(0);
  });

  it("uses the fetch it is given", async () => {
    const s = await serve({ "/ml.bin": (_req, res) => res.end("ok") });
    const fetched: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      fetched.push(String(input));
      return fetch(input, init);
    };
    const result = await downloadSource(s.url("/ml.bin"), { fetch: countingFetch });
    expect(result.ok).toBe(true);
    expect(fetched).toEqual([s.url("/ml.bin")]);
  });

  it.each([
    ["a non-http URL", "ftp://pkd.example/ml.bin", {}, "only http and https URLs are supported"],
    ["a URL that does not parse", "not a url", {}, "only http and https URLs are supported"],
    ["a zero timeout", "http://127.0.0.1/x", { timeoutMs: 0 }, "timeoutMs must be"],
    ["a negative maxBytes", "http://127.0.0.1/x", { maxBytes: -1 }, "maxBytes must be"],
    [
      "an empty retry policy",
      "http://127.0.0.1/x",
      { retry: { ...fastRetry, maxAttempts: 0 } },
      "maxAttempts",
    ],
    ["a header with a line break", "http://127.0.0.1/x", { headers: { "X-A": "a\r\nb" } }, 'header "X-A"'],
    [
      "a bearer token and an Authorization header",
      "http://127.0.0.1/x",
      { bearerToken: "t1", headers: { Authorization: "Basic eA==" } },
      "give only one way to authenticate",
    ],
  ] as const)(
    "refuses %s with a CONFIGURATION_ERROR before any request",
    async (_what, url, options, message) => {
      const result = await downloadSource(url, options);
      expect(!result.ok && result.error.code).toBe(ErrorCode.CONFIGURATION_ERROR);
      expect(!result.ok && result.error.message).toContain(message);
    },
  );
});
