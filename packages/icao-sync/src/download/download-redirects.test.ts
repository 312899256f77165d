import type { RetryPolicy, Sleep } from "@certs/db";
import { ErrorCode } from "@certs/result";
import { afterEach, describe, expect, it } from "vitest";
import { downloadSource } from "./download-source.js";
import { MAX_REDIRECTS } from "./follow-redirects.js";
import { startTestServer, type TestHandler, type TestServer } from "./http-test-server.js";

const retry: RetryPolicy = {
  maxAttempts: 4,
  initialDelayMs: 100,
  maxDelayMs: 2_000,
  factor: 2,
  jitter: true,
};

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A server on its own port: a different origin from every other one. */
async function origin(routes: Readonly<Record<string, TestHandler>>): Promise<TestServer> {
  const server = await startTestServer(routes);
  servers.push(server);
  return server;
}

function recordingSleep(): { sleep: Sleep; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: (ms) => (waits.push(ms), Promise.resolve()) };
}

const credentialHeaders = ["authorization", "x-api-key", "cookie", "x-pkd-tenant"];

function credentialsIn(headers: Record<string, unknown>): string[] {
  return credentialHeaders.filter((name) => headers[name] !== undefined);
}

describe("downloadSource across redirects", () => {
  it("sends every header the user gave to the source's origin and none of them after a cross-origin redirect", async () => {
    const mirror = await origin({ "/ml.bin": (_req, res) => res.end("from the mirror") });
    const source = await origin({
      "/ml.bin": (_req, res) => res.writeHead(302, { location: mirror.url("/ml.bin") }).end(),
    });
    const result = await downloadSource(source.url("/ml.bin"), {
      headers: { "X-Api-Key": "key-123", Cookie: "session=abc", "X-Pkd-Tenant": "de" },
      bearerToken: "bearer-456",
    });
    expect(result.ok && Buffer.from(result.value.bytes).toString()).toBe("from the mirror");
    expect(result.ok && result.value.url).toBe(mirror.url("/ml.bin"));
    expect(source.requests[0]?.headers).toMatchObject({
      "x-api-key": "key-123",
      cookie: "session=abc",
      "x-pkd-tenant": "de",
      authorization: "Bearer bearer-456",
    });
    expect(mirror.requests).toHaveLength(1);
    expect(credentialsIn(mirror.requests[0]?.headers ?? {})).toEqual([]);
  });

  it("keeps the headers on a redirect within the source's origin", async () => {
    const source = await origin({
      "/old": (_req, res) => res.writeHead(301, { location: "/new" }).end(),
      "/new": (_req, res) => res.end("moved"),
    });
    const result = await downloadSource(source.url("/old"), { headers: { "X-Api-Key": "key-123" } });
    expect(result.ok && Buffer.from(result.value.bytes).toString()).toBe("moved");
    expect(source.requestsTo("/new")[0]?.headers["x-api-key"]).toBe("key-123");
  });

  it("sends user:password from the URL only to the source's origin", async () => {
    const mirror = await origin({ "/ml.bin": (_req, res) => res.end("ok") });
    const source = await origin({
      "/ml.bin": (_req, res) => res.writeHead(307, { location: mirror.url("/ml.bin") }).end(),
    });
    const result = await downloadSource(source.url("/ml.bin").replace("http://", "http://reader:pw@"));
    expect(result.ok).toBe(true);
    expect(source.requests[0]?.headers.authorization).toMatch(/^Basic /);
    expect(mirror.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("sends an OpenID Connect token only to the source's origin", async () => {
    const mirror = await origin({ "/ml.bin": (_req, res) => res.end("ok") });
    const source = await origin({
      "/token": (_req, res) =>
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ access_token: "oidc-token-1", token_type: "Bearer" })),
      "/ml.bin": (_req, res) => res.writeHead(308, { location: mirror.url("/ml.bin") }).end(),
    });
    const result = await downloadSource(source.url("/ml.bin"), {
      oidc: {
        tokenUrl: source.url("/token"),
        clientId: "sync",
        clientSecret: "s3",
        grant: "client_credentials",
      },
    });
    expect(result.ok).toBe(true);
    expect(source.requestsTo("/ml.bin")[0]?.headers.authorization).toBe("Bearer oidc-token-1");
    expect(mirror.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("says where a refusal came from when the other origin answers 403 without the source's headers", async () => {
    const mirror = await origin({ "/ml.bin": (_req, res) => res.writeHead(403).end() });
    const source = await origin({
      "/ml.bin": (_req, res) => res.writeHead(302, { location: mirror.url("/ml.bin") }).end(),
    });
    const { sleep, waits } = recordingSleep();
    const result = await downloadSource(source.url("/ml.bin"), {
      headers: { "X-Api-Key": "key-123" },
      sleep,
      retry,
    });
    expect(!result.ok && result.error.message).toBe(
      `GET ${source.url("/ml.bin")} answered 403 Forbidden (from ${mirror.url("/ml.bin")}, another origin a redirect led to, where the source's headers are not sent)`,
    );
    expect(waits).toEqual([]);
    expect(credentialsIn(mirror.requests[0]?.headers ?? {})).toEqual([]);
  });

  it("does not retry a redirect loop", async () => {
    const source = await origin({
      "/a": (_req, res) => res.writeHead(302, { location: "/b" }).end(),
      "/b": (_req, res) => res.writeHead(302, { location: "/a" }).end(),
    });
    const { sleep, waits } = recordingSleep();
    const result = await downloadSource(source.url("/a"), { sleep, retry });
    expect(!result.ok && result.error.code).toBe(ErrorCode.DOWNLOAD_ERROR);
    expect(!result.ok && result.error.message).toBe(
      `GET ${source.url("/a")} was redirected in a loop: ${source.url("/a")} was already requested`,
    );
    expect(!result.ok && result.error.details).toMatchObject({ attempts: 1, status: 302 });
    expect(source.requests.map((r) => r.path)).toEqual(["/a", "/b"]);
    expect(waits).toEqual([]);
  });

  it(`does not follow more than ${MAX_REDIRECTS} redirects, nor retry`, async () => {
    const routes: Record<string, TestHandler> = {};
    for (let hop = 0; hop <= MAX_REDIRECTS + 1; hop++) {
      routes[`/hop${hop}`] = (_req, res) => res.writeHead(302, { location: `/hop${hop + 1}` }).end();
    }
    const source = await origin(routes);
    const { sleep, waits } = recordingSleep();
    const result = await downloadSource(source.url("/hop0"), { sleep, retry });
    expect(!result.ok && result.error.message).toBe(
      `GET ${source.url("/hop0")} was redirected more than ${MAX_REDIRECTS} times`,
    );
    expect(source.requests).toHaveLength(MAX_REDIRECTS + 1);
    expect(waits).toEqual([]);
  });

  it.each([["ftp://pkd.example/ml.bin"], ["file:///etc/passwd"], ["data:text/plain,hello"]])(
    "does not follow or retry a redirect to %s",
    async (location) => {
      const source = await origin({ "/ml.bin": (_req, res) => res.writeHead(302, { location }).end() });
      const { sleep, waits } = recordingSleep();
      const result = await downloadSource(source.url("/ml.bin"), { sleep, retry });
      expect(!result.ok && result.error.message).toBe(
        `GET ${source.url("/ml.bin")} was redirected to ${new URL(location).href}: only http and https redirects are followed`,
      );
      expect(source.requests).toHaveLength(1);
      expect(waits).toEqual([]);
    },
  );

  it("does not retry a redirect without a Location", async () => {
    const source = await origin({ "/ml.bin": (_req, res) => res.writeHead(302).end() });
    const { sleep, waits } = recordingSleep();
    const result = await downloadSource(source.url("/ml.bin"), { sleep, retry });
    expect(!result.ok && result.error.message).toBe(
      `GET ${source.url("/ml.bin")} answered 302 Found without a Location header`,
    );
    expect(waits).toEqual([]);
  });

  it("does not send the OpenID Connect client secret on to where a token endpoint redirects", async () => {
    const elsewhere = await origin({ "/token": (_req, res) => res.writeHead(500).end() });
    const identity = await origin({
      "/token": (_req, res) => res.writeHead(307, { location: elsewhere.url("/token") }).end(),
      "/ml.bin": (_req, res) => res.end("ok"),
    });
    const result = await downloadSource(identity.url("/ml.bin"), {
      oidc: {
        tokenUrl: identity.url("/token"),
        clientId: "sync",
        clientSecret: "s3",
        grant: "client_credentials",
      },
      sleep: recordingSleep().sleep,
      retry,
    });
    expect(!result.ok && result.error.message).toBe(
      `GET ${identity.url("/ml.bin")} failed: the token request POST ${identity.url("/token")} answered 307 Temporary Redirect: redirects are not followed, so the credentials go only to the configured token endpoint`,
    );
    expect(elsewhere.requests).toHaveLength(0);
    expect(identity.requestsTo("/ml.bin")).toHaveLength(0);
  });
});

describe("downloadSource retries only what can heal", () => {
  it.each([400, 401, 403, 404, 410, 451])("does not retry %i", async (status) => {
    const source = await origin({ "/ml.bin": (_req, res) => res.writeHead(status).end() });
    const { sleep, waits } = recordingSleep();
    const result = await downloadSource(source.url("/ml.bin"), { sleep, retry });
    expect(!result.ok && result.error.details).toMatchObject({ status, attempts: 1 });
    expect(source.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it.each([408, 429, 500, 503])("retries %i", async (status) => {
    const source = await origin({
      "/ml.bin": (_req, res, seen) => (seen === 0 ? res.writeHead(status).end() : res.end("ok")),
    });
    const { sleep, waits } = recordingSleep();
    const result = await downloadSource(source.url("/ml.bin"), { sleep, retry });
    expect(result.ok && result.value.attempts).toBe(2);
    expect(waits).toHaveLength(1);
  });
});

describe("downloadSource's total deadline", () => {
  it("bounds all attempts at a source that never answers, waits included", async () => {
    const source = await origin({ "/hang": () => undefined });
    const started = performance.now();
    const result = await downloadSource(source.url("/hang"), {
      timeoutMs: 300,
      totalTimeoutMs: 1_000,
      retry: { maxAttempts: 20, initialDelayMs: 50, maxDelayMs: 100, factor: 2, jitter: false },
    });
    const elapsedMs = performance.now() - started;
    expect(!result.ok && result.error.code).toBe(ErrorCode.DOWNLOAD_ERROR);
    expect(!result.ok && result.error.message).toMatch(
      new RegExp(
        `^GET ${source.url("/hang")} gave up after [2-4] attempts within the total deadline of 1 s: timed out after \\d+ ms$`,
      ),
    );
    expect(!result.ok && result.error.details).toMatchObject({ totalTimeoutMs: 1_000 });
    expect(elapsedMs).toBeGreaterThan(900);
    expect(elapsedMs).toBeLessThan(1_800);
  });

  it("does not wait for a Retry-After that ends past the deadline", async () => {
    const source = await origin({
      "/ml.bin": (_req, res) => res.writeHead(503, { "retry-after": "20" }).end(),
    });
    const { sleep, waits } = recordingSleep();
    const result = await downloadSource(source.url("/ml.bin"), {
      sleep,
      totalTimeoutMs: 5_000,
      retry: { ...retry, maxDelayMs: 60_000 },
    });
    expect(!result.ok && result.error.message).toBe(
      `GET ${source.url("/ml.bin")} gave up after 1 attempt within the total deadline of 5 s: 503 Service Unavailable`,
    );
    expect(waits).toEqual([]);
    expect(source.requests).toHaveLength(1);
  });

  it("refuses a total deadline that is not a positive whole number", async () => {
    const result = await downloadSource("http://127.0.0.1/x", { totalTimeoutMs: 0 });
    expect(!result.ok && result.error.code).toBe(ErrorCode.CONFIGURATION_ERROR);
    expect(!result.ok && result.error.message).toContain("totalTimeoutMs must be");
  });
});
