import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import type { TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startTestServer,
  type TestServer,
} from "../../../packages/icao-sync/src/download/http-test-server.js";
import { listFlags, type Material, tableCounts, tableIds, useTestStore } from "./material.js";
import {
  get,
  killStillRunning,
  lastRunOf,
  NEVER_SOON,
  runCli,
  serve,
  type Served,
  stop,
  untilReady,
} from "./served-app.js";

const ETAG = '"generated-list-1"';
const SERVICE_TOKEN = "sfc-token-0a9b8c7d";
const LOGIN_PASSWORD = "login-password-6f5e4d";

let db: TestDatabase;
let pool: pg.Pool;
let material: Material;
let server: TestServer;
const running: Served[] = [];
useTestStore("serve-conditional", (store) => ({ db, pool, material } = store));

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

beforeAll(async () => {
  const list = await readFile(material.masterList);
  server = await startTestServer({
    "/ml.bin": (req, res) => {
      if (req.headers["if-none-match"] === ETAG) {
        res.writeHead(304, { etag: ETAG }).end();
        return;
      }
      res.writeHead(200, { etag: ETAG }).end(list);
    },
    "/token": (_req, res) => json(res, 200, { access_token: "oidc-access", token_type: "Bearer" }),
    "/login": (req, res) =>
      req.headers.authorization === "Bearer oidc-access" &&
      (JSON.parse(server.requestsTo("/login").at(-1)?.body ?? "{}") as { password?: string }).password ===
        LOGIN_PASSWORD
        ? json(res, 200, { token: SERVICE_TOKEN })
        : json(res, 401, {}),
    "/protected.bin": (req, res) =>
      req.headers["x-sfc-authorization"] === SERVICE_TOKEN
        ? res.writeHead(200).end(list)
        : res.writeHead(401).end(),
  });
});

afterAll(async () => {
  killStillRunning(running);
  await server?.close();
});

// `name{labels} value` or `name value`, and `# HELP` / `# TYPE` lines (Prometheus text format 0.0.4).
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*")*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)( -?[0-9]+)?$/;
const COMMENT =
  /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;

async function metrics(url: string): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const text = await response.text();
  expect(text.endsWith("\n")).toBe(true);
  const values = new Map<string, number>();
  for (const line of text.slice(0, -1).split("\n")) {
    expect(SAMPLE.test(line) || COMMENT.test(line), line).toBe(true);
    if (line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

async function logRows(): Promise<number> {
  const result = await pool.query<{ n: string }>("SELECT count(*) AS n FROM icao_sync_log");
  return Number(result.rows[0]?.n);
}

describe("certs-icao-sync serve with an http source", () => {
  it("a second sync of an unchanged list gets a 304 and writes nothing; /metrics counts both", async () => {
    const served = await serve([...listFlags(db.url, material, server.url("/ml.bin")), "--cron", NEVER_SOON]);
    running.push(served);
    await untilReady(served.url);
    const before = await metrics(served.url);
    expect(before.get('certs_icao_sync_syncs_total{status="replaced"}')).toBe(0);
    expect(before.get("certs_icao_sync_downloaded_bytes_total")).toBe(0);

    expect((await get(`${served.url}/trigger`, { method: "POST" })).status).toBe(202);
    const first = await lastRunOf(served.url);
    expect(first).toMatchObject({ status: "replaced", notModified: false });
    const rows = await tableIds(pool);
    const counts = await tableCounts(pool);
    const logged = await logRows();

    expect((await get(`${served.url}/trigger`, { method: "POST" })).status).toBe(202);
    const second = await lastRunOf(served.url, String(first.finishedAt));
    expect(second).toMatchObject({
      status: "unchanged",
      notModified: true,
      downloads: [{ name: server.url("/ml.bin"), notModified: true, bytes: 0, etag: ETAG }],
    });
    expect(server.requestsTo("/ml.bin").map((r) => r.headers["if-none-match"])).toEqual([undefined, ETAG]);
    expect(await tableIds(pool)).toEqual(rows);
    expect(await logRows()).toBe(logged);

    const after = await metrics(served.url);
    const listBytes = (await readFile(material.masterList)).byteLength;
    expect(after.get('certs_icao_sync_syncs_total{status="replaced"}')).toBe(1);
    expect(after.get('certs_icao_sync_syncs_total{status="unchanged"}')).toBe(1);
    expect(after.get('certs_icao_sync_syncs_total{status="failed"}')).toBe(0);
    expect(after.get("certs_icao_sync_downloaded_bytes_total")).toBe(listBytes);
    expect(after.get("certs_icao_sync_duration_seconds_count")).toBe(2);
    expect(after.get('certs_icao_sync_duration_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(after.get('certs_icao_sync_table_rows{table="root_ca"}')).toBe(counts.root_ca);
    const lastSuccess = after.get("certs_icao_sync_last_success_timestamp_seconds") ?? 0;
    expect(lastSuccess * 1000).toBe(Date.parse(String(second.finishedAt)));
    expect(await stop(served)).toBe(143);
  });
});

describe("certs-icao-sync run with a service login", () => {
  /** The list behind the service login, under the material's anchor. */
  const protectedList = () => listFlags(db.url, material, server.url("/protected.bin"));

  it("logs in with the OpenID Connect token and the body from the environment, and downloads with the service token", async () => {
    const outcome = await runCli(
      [
        "run",
        ...protectedList(),
        "--oidc-token-url",
        server.url("/token"),
        "--oidc-client-id",
        "sync",
        "--service-login-url",
        server.url("/login"),
        "--force",
        "--json",
      ],
      {
        CERTS_OIDC_CLIENT_SECRET: "client-secret-1234",
        CERTS_SERVICE_LOGIN_BODY: JSON.stringify({ user: "sync", password: LOGIN_PASSWORD }),
        CERTS_LOG_LEVEL: "debug",
      },
    );
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ status: "replaced" });
    expect(server.requestsTo("/login").at(-1)?.headers.authorization).toBe("Bearer oidc-access");
    expect(server.requestsTo("/protected.bin").at(-1)?.headers["x-sfc-authorization"]).toBe(SERVICE_TOKEN);
    expect(outcome.stdout + outcome.stderr).not.toContain(SERVICE_TOKEN);
    expect(outcome.stdout + outcome.stderr).not.toContain(LOGIN_PASSWORD);
  });

  it("a refused login exits 1 with one line naming the login URL; a login without a bearer token is bad usage", async () => {
    const refused = await runCli([
      "run",
      ...protectedList(),
      "--bearer-token",
      "not-the-oidc-token",
      "--service-login-url",
      server.url("/login"),
      "--retries",
      "0",
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toContain(
      `the service login POST ${server.url("/login")} answered 401 Unauthorized`,
    );
    expect(refused.stderr).not.toContain("not-the-oidc-token");
    const usage = await runCli([
      "run",
      "--db",
      db.url,
      "--source",
      server.url("/protected.bin"),
      "--service-login-url",
      server.url("/login"),
    ]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--service-login-url");
  });
});
