import type { ServerResponse } from "node:http";
import type { Sleep } from "@certs/db";
import { ErrorCode } from "@certs/result";
import { afterEach, describe, expect, it } from "vitest";
import { downloadSource } from "./download-source.js";
import { startTestServer, type TestServer } from "./http-test-server.js";
import type { OidcOptions } from "./oidc-token.js";
import type { ServiceLoginOptions } from "./service-login.js";

const CLIENT_SECRET = "client-secret-5d4c3b";
const LOGIN_PASSWORD = "service-password-8e7f6a";
const SERVICE_TOKEN = "sfc-service-token-2b1c0d";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const noWait: Sleep = () => Promise.resolve();

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** An identity provider, a service login that wants `Bearer oidc-token`, and a source that wants both tokens. */
async function pkd(
  login: (res: ServerResponse, authorization: string | undefined) => void,
): Promise<TestServer> {
  const server = await startTestServer({
    "/token": (_req, res) => json(res, 200, { access_token: "oidc-token", token_type: "Bearer" }),
    "/login": (req, res) => login(res, req.headers.authorization),
    "/ml.bin": (req, res) => {
      if (req.headers["x-sfc-authorization"] !== SERVICE_TOKEN) {
        res.writeHead(401).end();
        return;
      }
      res.end("the master list");
    },
  });
  servers.push(server);
  return server;
}

function oidcOf(server: TestServer): OidcOptions {
  return {
    tokenUrl: server.url("/token"),
    clientId: "sync",
    clientSecret: CLIENT_SECRET,
    grant: "client_credentials",
  };
}

function loginOf(server: TestServer, extra: Partial<ServiceLoginOptions> = {}): ServiceLoginOptions {
  return { url: server.url("/login"), body: { user: "sync", password: LOGIN_PASSWORD }, ...extra };
}

const grantedWhenBearer = (res: ServerResponse, authorization: string | undefined) =>
  authorization === "Bearer oidc-token" ? json(res, 200, { token: SERVICE_TOKEN }) : json(res, 401, {});

describe("downloadSource with a service login", () => {
  it("posts the login body with the OpenID Connect bearer token and sends the service token with the download", async () => {
    const server = await pkd(grantedWhenBearer);
    const result = await downloadSource(server.url("/ml.bin"), {
      oidc: oidcOf(server),
      serviceLogin: loginOf(server),
    });
    expect(result.ok && new TextDecoder().decode(result.value.bytes)).toBe("the master list");
    const [login] = server.requestsTo("/login");
    expect(login?.method).toBe("POST");
    expect(login?.headers.authorization).toBe("Bearer oidc-token");
    expect(login?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(login?.body ?? "null")).toEqual({ user: "sync", password: LOGIN_PASSWORD });
    const [download] = server.requestsTo("/ml.bin");
    expect(download?.headers["x-sfc-authorization"]).toBe(SERVICE_TOKEN);
    expect(download?.headers.authorization).toBe("Bearer oidc-token");
  });

  it("reads the token as access_token or as the body text, sends it in the configured header, with a static bearer token", async () => {
    const server = await startTestServer({
      "/login": (req, res) =>
        req.headers.authorization === "Bearer static-bearer"
          ? res.writeHead(200, { "content-type": "text/plain" }).end(`${SERVICE_TOKEN}\n`)
          : res.writeHead(401).end(),
      "/login-json": (_req, res) => json(res, 200, { access_token: "from-access-token" }),
      "/ml.bin": (req, res) => res.end(String(req.headers["x-service-token"])),
    });
    servers.push(server);
    const text = await downloadSource(server.url("/ml.bin"), {
      bearerToken: "static-bearer",
      serviceLogin: { url: server.url("/login"), header: "X-Service-Token" },
    });
    expect(text.ok && new TextDecoder().decode(text.value.bytes)).toBe(SERVICE_TOKEN);
    expect(server.requestsTo("/login")[0]?.body).toBe("{}");
    const field = await downloadSource(server.url("/ml.bin"), {
      bearerToken: "static-bearer",
      serviceLogin: { url: server.url("/login-json"), header: "X-Service-Token" },
    });
    expect(field.ok && new TextDecoder().decode(field.value.bytes)).toBe("from-access-token");
  });

  it("a login that answers 401 is a one-line DOWNLOAD_ERROR naming the login URL, without any secret", async () => {
    const server = await pkd((res) => json(res, 401, { message: `bad password ${LOGIN_PASSWORD}` }));
    const result = await downloadSource(server.url("/ml.bin"), {
      oidc: oidcOf(server),
      serviceLogin: loginOf(server),
      sleep: noWait,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(ErrorCode.DOWNLOAD_ERROR);
    expect(result.error.message).toBe(
      `GET ${server.url("/ml.bin")} failed: the service login POST ${server.url("/login")} answered 401 Unauthorized: the login refused the bearer token or the login body`,
    );
    expect(result.error.message).not.toContain(LOGIN_PASSWORD);
    expect(result.error.message).not.toContain("oidc-token");
    // The cached OpenID Connect token is renewed once in case it had expired; a 401 is then final.
    expect(server.requestsTo("/login")).toHaveLength(2);
    expect(server.requestsTo("/ml.bin")).toHaveLength(0);
  });

  it("a login without a token in its answer, or that redirects, is refused and names the login", async () => {
    const server = await startTestServer({
      "/token": (_req, res) => json(res, 200, { access_token: "oidc-token" }),
      "/login": (_req, res) => json(res, 200, { ok: true }),
      "/moved": (_req, res) => res.writeHead(302, { location: "/login" }).end(),
    });
    servers.push(server);
    const empty = await downloadSource(server.url("/ml.bin"), {
      oidc: oidcOf(server),
      serviceLogin: { url: server.url("/login") },
    });
    expect(!empty.ok && empty.error.message).toMatch(/service login POST .*\/login answered without a token/);
    const moved = await downloadSource(server.url("/ml.bin"), {
      oidc: oidcOf(server),
      serviceLogin: { url: server.url("/moved") },
    });
    expect(!moved.ok && moved.error.message).toMatch(
      /service login POST .*\/moved answered 302 Found: redirects are not followed/,
    );
    expect(server.requestsTo("/login")).toHaveLength(1);
  });

  it("the service token is not sent to another origin a redirect leads to", async () => {
    const mirror = await startTestServer({ "/ml.bin": (_req, res) => res.end("mirrored list") });
    servers.push(mirror);
    const redirecting = await startTestServer({
      "/token": (_req, res) => json(res, 200, { access_token: "oidc-token" }),
      "/login": (req, res) => grantedWhenBearer(res, req.headers.authorization),
      "/ml.bin": (_req, res) => res.writeHead(302, { location: mirror.url("/ml.bin") }).end(),
    });
    servers.push(redirecting);
    const result = await downloadSource(redirecting.url("/ml.bin"), {
      oidc: oidcOf(redirecting),
      serviceLogin: loginOf(redirecting),
    });
    expect(result.ok && new TextDecoder().decode(result.value.bytes)).toBe("mirrored list");
    expect(redirecting.requestsTo("/ml.bin")[0]?.headers["x-sfc-authorization"]).toBe(SERVICE_TOKEN);
    const [atMirror] = mirror.requestsTo("/ml.bin");
    expect(atMirror?.headers["x-sfc-authorization"]).toBeUndefined();
    expect(atMirror?.headers.authorization).toBeUndefined();
  });

  it("a source that refuses the service token gets a fresh one, once", async () => {
    let logins = 0;
    const server = await startTestServer({
      "/token": (_req, res) => json(res, 200, { access_token: "oidc-token" }),
      "/login": (_req, res) => json(res, 200, { token: `service-${++logins}` }),
      "/ml.bin": (req, res) =>
        req.headers["x-sfc-authorization"] === "service-2" ? res.end("fresh") : res.writeHead(401).end(),
    });
    servers.push(server);
    const options = { oidc: oidcOf(server), serviceLogin: loginOf(server) };
    const result = await downloadSource(server.url("/ml.bin"), options);
    expect(result.ok && new TextDecoder().decode(result.value.bytes)).toBe("fresh");
    expect(result.ok && result.value.attempts).toBe(1);
    expect(server.requestsTo("/login")).toHaveLength(2);
  });

  it("without a bearer token, or with Authorization as its header, the service login is a CONFIGURATION_ERROR", async () => {
    const server = await pkd(grantedWhenBearer);
    const alone = await downloadSource(server.url("/ml.bin"), { serviceLogin: loginOf(server) });
    expect(!alone.ok && alone.error).toMatchObject({
      code: ErrorCode.CONFIGURATION_ERROR,
      message: "serviceLogin needs a bearer token to log in with: give oidc or bearerToken",
    });
    const authorization = await downloadSource(server.url("/ml.bin"), {
      bearerToken: "b",
      serviceLogin: loginOf(server, { header: "Authorization" }),
    });
    expect(!authorization.ok && authorization.error.code).toBe(ErrorCode.CONFIGURATION_ERROR);
    expect(server.requests).toHaveLength(0);
  });
});
