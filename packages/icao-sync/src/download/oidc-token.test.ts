import type { ServerResponse } from "node:http";
import type { Logger, Sleep } from "@certs/db";
import { ErrorCode } from "@certs/result";
import { afterEach, describe, expect, it } from "vitest";
import { downloadSource } from "./download-source.js";
import { startTestServer, type TestHandler, type TestServer } from "./http-test-server.js";
import type { OidcOptions } from "./oidc-token.js";

const CLIENT_SECRET = "client-secret-9f8e7d";
const PASSWORD = "user-password-1a2b3c";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const noWait: Sleep = () => Promise.resolve();

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** A token endpoint handing out `token-1`, `token-2`, ... and a source that accepts only `accepted` tokens. */
async function identityAndSource(options: {
  expiresIn?: number;
  accepted?: (token: string) => boolean;
  token?: TestHandler;
}): Promise<TestServer> {
  const accepted = options.accepted ?? (() => true);
  server = await startTestServer({
    "/token":
      options.token ??
      ((_req, res, seen) =>
        json(res, 200, {
          access_token: `token-${seen + 1}`,
          token_type: "Bearer",
          ...(options.expiresIn === undefined ? {} : { expires_in: options.expiresIn }),
        })),
    "/ml.bin": (req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (token === undefined || !accepted(token)) {
        res.writeHead(401, { "www-authenticate": "Bearer" }).end();
        return;
      }
      res.end(`list for ${token}`);
    },
  });
  return server;
}

function form(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record = (obj: object, msg?: string): void => {
    lines.push(`${msg ?? ""} ${JSON.stringify(obj)}`);
  };
  return { lines, logger: { debug: record, info: record, warn: record, error: record } };
}

describe("downloadSource with an OpenID Connect token", () => {
  it("client_credentials: posts the form fields and sends the token to the source", async () => {
    const s = await identityAndSource({ expiresIn: 300 });
    const oidc: OidcOptions = {
      tokenUrl: s.url("/token"),
      clientId: "pkd-sync",
      clientSecret: CLIENT_SECRET,
      grant: "client_credentials",
      scope: "openid pkd.read",
    };
    const result = await downloadSource(s.url("/ml.bin"), { oidc });
    expect(result.ok && Buffer.from(result.value.bytes).toString()).toBe("list for token-1");
    const [tokenRequest] = s.requestsTo("/token");
    expect(tokenRequest?.method).toBe("POST");
    expect(tokenRequest?.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(form(tokenRequest?.body ?? "")).toEqual({
      grant_type: "client_credentials",
      client_id: "pkd-sync",
      client_secret: CLIENT_SECRET,
      scope: "openid pkd.read",
    });
    expect(tokenRequest?.headers.authorization).toBeUndefined();
    expect(s.requestsTo("/ml.bin")[0]?.headers.authorization).toBe("Bearer token-1");
  });

  it("password grant: posts username and password (and no secret for a public client)", async () => {
    const s = await identityAndSource({ expiresIn: 300 });
    const oidc: OidcOptions = {
      tokenUrl: s.url("/token"),
      clientId: "cert-parser",
      grant: "password",
      username: "sync-user",
      password: PASSWORD,
    };
    const result = await downloadSource(s.url("/ml.bin"), { oidc });
    expect(result.ok).toBe(true);
    expect(form(s.requestsTo("/token")[0]?.body ?? "")).toEqual({
      grant_type: "password",
      username: "sync-user",
      password: PASSWORD,
      client_id: "cert-parser",
    });
  });

  it("client_secret_basic: sends the client credentials as HTTP Basic, not in the form", async () => {
    const s = await identityAndSource({ expiresIn: 300 });
    const oidc: OidcOptions = {
      tokenUrl: s.url("/token"),
      clientId: "pkd sync",
      clientSecret: "s3cret/+",
      grant: "client_credentials",
      clientAuthentication: "basic",
    };
    expect((await downloadSource(s.url("/ml.bin"), { oidc })).ok).toBe(true);
    const [tokenRequest] = s.requestsTo("/token");
    expect(form(tokenRequest?.body ?? "")).toEqual({ grant_type: "client_credentials" });
    // RFC 6749 §2.3.1: each part form-urlencoded, then Basic.
    expect(tokenRequest?.headers.authorization).toBe(
      `Basic ${Buffer.from("pkd%20sync:s3cret%2F%2B").toString("base64")}`,
    );
  });

  it("reuses the token across downloads with the same oidc options", async () => {
    const s = await identityAndSource({ expiresIn: 300 });
    const oidc: OidcOptions = {
      tokenUrl: s.url("/token"),
      clientId: "c",
      clientSecret: CLIENT_SECRET,
      grant: "client_credentials",
    };
    const first = await downloadSource(s.url("/ml.bin"), { oidc });
    const second = await downloadSource(s.url("/ml.bin"), { oidc });
    expect(first.ok && second.ok).toBe(true);
    expect(s.requestsTo("/token")).toHaveLength(1);
    expect(s.requestsTo("/ml.bin").map((r) => r.headers.authorization)).toEqual([
      "Bearer token-1",
      "Bearer token-1",
    ]);
  });

  it("asks for a new token shortly before the old one expires", async () => {
    const s = await identityAndSource({ expiresIn: 60 });
    const oidc: OidcOptions = {
      tokenUrl: s.url("/token"),
      clientId: "c",
      clientSecret: CLIENT_SECRET,
      grant: "client_credentials",
    };
    let now = Date.parse("2025-07-01T10:00:00Z");
    const clock = (): Date => new Date(now);
    await downloadSource(s.url("/ml.bin"), { oidc, clock });
    now += 50_000; // 10 s left of 60: still used
    await downloadSource(s.url("/ml.bin"), { oidc, clock });
    now += 5_000; // 5 s left: inside the renewal margin
    await downloadSource(s.url("/ml.bin"), { oidc, clock });
    expect(s.requestsTo("/token")).toHaveLength(2);
    expect(s.requestsTo("/ml.bin").map((r) => r.headers.authorization)).toEqual([
      "Bearer token-1",
      "Bearer token-1",
      "Bearer token-2",
    ]);
  });

  it("renews the token once when the source answers 401", async () => {
    // The source has revoked token-1 (e.g. a server restart) although it has not expired.
    const s = await identityAndSource({ expiresIn: 3600, accepted: (token) => token !== "token-1" });
    const oidc: OidcOptions = {
      tokenUrl: s.url("/token"),
      clientId: "c",
      clientSecret: CLIENT_SECRET,
      grant: "client_credentials",
    };
    const result = await downloadSource(s.url("/ml.bin"), { oidc, sleep: noWait });
    expect(result.ok && Buffer.from(result.value.bytes).toString()).toBe("list for token-2");
    expect(result.ok && result.value.attempts).toBe(1);
    expect(s.requestsTo("/token")).toHaveLength(2);
    expect(s.requestsTo("/ml.bin")).toHaveLength(2);
    // The renewed token is what the cache now holds.
    await downloadSource(s.url("/ml.bin"), { oidc });
    expect(s.requestsTo("/token")).toHaveLength(2);
  });

  it("renews only once: a source that refuses every token fails with 401", async () => {
    const s = await identityAndSource({ expiresIn: 3600, accepted: () => false });
    const oidc: OidcOptions = {
      tokenUrl: s.url("/token"),
      clientId: "c",
      clientSecret: CLIENT_SECRET,
      grant: "client_credentials",
    };
    const result = await downloadSource(s.url("/ml.bin"), { oidc, sleep: noWait });
    expect(!result.ok && result.error.code).toBe(ErrorCode.DOWNLOAD_ERROR);
    expect(!result.ok && result.error.message).toBe(`GET ${s.url("/ml.bin")} answered 401 Unauthorized`);
    expect(s.requestsTo("/token")).toHaveLength(2);
    expect(s.requestsTo("/ml.bin")).toHaveLength(2);
  });

  it("a refused token request is not retried and its message names the endpoint and OAuth error, never the secrets", async () => {
    const s = await identityAndSource({
      token: (_req, res) =>
        json(res, 401, {
          error: "invalid_client",
          error_description: `Invalid client secret ${CLIENT_SECRET}`,
        }),
    });
    const { logger, lines } = recordingLogger();
    const oidc: OidcOptions = {
      tokenUrl: s.url("/token"),
      clientId: "c",
      clientSecret: CLIENT_SECRET,
      grant: "password",
      username: "u",
      password: PASSWORD,
    };
    const result = await downloadSource(s.url("/ml.bin"), { oidc, logger, sleep: noWait });
    expect(!result.ok && result.error.code).toBe(ErrorCode.DOWNLOAD_ERROR);
    expect(!result.ok && result.error.message).toBe(
      `GET ${s.url("/ml.bin")} failed: the token request POST ${s.url("/token")} answered 401 Unauthorized (invalid_client: Invalid client secret ***)`,
    );
    const everything = `${JSON.stringify(result)}\n${lines.join("\n")}`;
    expect(everything).not.toContain(CLIENT_SECRET);
    expect(everything).not.toContain(PASSWORD);
    expect(s.requestsTo("/token")).toHaveLength(1);
    expect(s.requestsTo("/ml.bin")).toHaveLength(0);
  });

  it("retries a token endpoint answering 503, and never logs the token", async () => {
    const s = await identityAndSource({
      token: (_req, res, seen) =>
        seen === 0
          ? res.writeHead(503).end()
          : json(res, 200, { access_token: "secret-access-token", token_type: "bearer", expires_in: 300 }),
    });
    const { logger, lines } = recordingLogger();
    const oidc: OidcOptions = {
      tokenUrl: s.url("/token"),
      clientId: "c",
      clientSecret: CLIENT_SECRET,
      grant: "client_credentials",
    };
    const result = await downloadSource(s.url("/ml.bin"), { oidc, logger, sleep: noWait });
    expect(result.ok && result.value.attempts).toBe(2);
    expect(lines.some((line) => line.includes("token request") && line.includes("503"))).toBe(true);
    expect(lines.some((line) => line.includes("obtained an OpenID Connect access token"))).toBe(true);
    expect(lines.join("\n")).not.toContain("secret-access-token");
    expect(lines.join("\n")).not.toContain(CLIENT_SECRET);
  });

  it("a token response without access_token is a DOWNLOAD_ERROR", async () => {
    const s = await identityAndSource({ token: (_req, res) => json(res, 200, { token_type: "Bearer" }) });
    const oidc: OidcOptions = {
      tokenUrl: s.url("/token"),
      clientId: "c",
      clientSecret: CLIENT_SECRET,
      grant: "client_credentials",
    };
    const result = await downloadSource(s.url("/ml.bin"), { oidc, sleep: noWait });
    expect(!result.ok && result.error.message).toBe(
      `GET ${s.url("/ml.bin")} failed: the token request POST ${s.url("/token")} answered without an access_token`,
    );
    expect(s.requestsTo("/token")).toHaveLength(1);
  });

  it("a token endpoint that never answers times out", async () => {
    const s = await identityAndSource({ token: () => undefined });
    const oidc: OidcOptions = {
      tokenUrl: s.url("/token"),
      clientId: "c",
      clientSecret: CLIENT_SECRET,
      grant: "client_credentials",
    };
    const result = await downloadSource(s.url("/ml.bin"), {
      oidc,
      timeoutMs: 150,
      retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, factor: 1, jitter: false },
    });
    expect(!result.ok && result.error.message).toBe(
      `GET ${s.url("/ml.bin")} failed: the token request POST ${s.url("/token")} timed out after 150 ms`,
    );
  });

  it.each([
    [
      "a password grant without username",
      { tokenUrl: "https://idp.example/token", clientId: "c", grant: "password", password: PASSWORD },
      "oidc.username is required for the password grant",
    ],
    [
      "a password grant without password",
      { tokenUrl: "https://idp.example/token", clientId: "c", grant: "password", username: "u" },
      "oidc.password is required for the password grant",
    ],
    [
      "client_credentials without a secret",
      { tokenUrl: "https://idp.example/token", clientId: "c", grant: "client_credentials" },
      "oidc.clientSecret is required for the client_credentials grant",
    ],
    [
      "a token URL that is not http(s)",
      {
        tokenUrl: "ldap://idp.example/",
        clientId: "c",
        clientSecret: CLIENT_SECRET,
        grant: "client_credentials",
      },
      'oidc.tokenUrl must be an http or https URL, got "ldap://idp.example/"',
    ],
    [
      "an empty client id",
      {
        tokenUrl: "https://idp.example/token",
        clientId: "",
        clientSecret: CLIENT_SECRET,
        grant: "client_credentials",
      },
      "oidc.clientId must not be empty",
    ],
  ] as const)("refuses %s with a CONFIGURATION_ERROR", async (_what, oidc, message) => {
    const result = await downloadSource("https://pkd.example/ml.bin", { oidc: oidc as OidcOptions });
    expect(!result.ok && result.error.code).toBe(ErrorCode.CONFIGURATION_ERROR);
    expect(!result.ok && result.error.message).toBe(message);
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });

  it("refuses oidc together with a bearer token", async () => {
    const result = await downloadSource("https://pkd.example/ml.bin", {
      bearerToken: "t",
      oidc: {
        tokenUrl: "https://idp.example/token",
        clientId: "c",
        clientSecret: CLIENT_SECRET,
        grant: "client_credentials",
      },
    });
    expect(!result.ok && result.error.code).toBe(ErrorCode.CONFIGURATION_ERROR);
    expect(!result.ok && result.error.message).toBe(
      "give only one way to authenticate, got bearerToken and oidc",
    );
  });
});
