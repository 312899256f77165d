import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@certs/db";
import type { LastSyncChanges, SyncLogEntry, TableCounts } from "@certs/icao-sync";
import { hostOfHeader, isLoopbackHost } from "./listen-address.js";
import { METRICS_CONTENT_TYPE } from "./metrics.js";
import type { SyncService } from "./sync-service.js";
import type { VerifyResponse } from "./verify-endpoint.js";

/** What the database holds, for `/info`. */
export interface StoreStatus {
  /** Rows per table now. */
  readonly tables: TableCounts;
  /** The newest sync log entry, from any process. */
  readonly lastLoggedRun: SyncLogEntry | null;
  /** What the last successful sync (from any process) changed, per table and country; null before the first. */
  readonly lastChanges: LastSyncChanges | null;
}

/** What the endpoints need besides the service. */
export interface StatusServerOptions {
  readonly service: SyncService;
  /** True when the database answers (checked on every `/ready`, on a connection of its own). */
  readonly databaseReachable: () => Promise<boolean>;
  /** What the database holds (cached: `/info` load never reaches the database); null when it cannot be read. */
  readonly storeStatus: () => Promise<StoreStatus | null>;
  /** When set, `POST /trigger` needs `Authorization: Bearer <triggerToken>`; without it, same-origin loopback callers only. */
  readonly triggerToken?: string | undefined;
  /** Answers `POST /verify` (passive authentication of the request body), under the same rules as `/trigger`. */
  readonly verify?: (request: IncomingMessage) => Promise<VerifyResponse>;
  readonly version: string;
  readonly schedule: string;
  readonly database: string;
  readonly logger: Logger;
  /** The Prometheus text for `GET /metrics`. */
  readonly metrics?: () => Promise<string>;
}

/** A listening status server and how to stop it. */
export interface StatusServer {
  /** `http://host:port`, with the port actually bound (useful with `--port 0`). */
  readonly url: string;
  /** Stops accepting connections, ends idle keep-alive ones, and resolves once the in-flight requests end. */
  close(): Promise<void>;
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

async function handle(request: IncomingMessage, response: ServerResponse, options: StatusServerOptions) {
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  const method = request.method ?? "GET";
  const routes: Record<string, string> = {
    "/health": "GET",
    "/ready": "GET",
    "/info": "GET",
    "/metrics": "GET",
    "/trigger": "POST",
    "/verify": "POST",
  };
  const allowed = routes[path];
  if (allowed === undefined) return send(response, 404, { error: `no endpoint ${path}` });
  const isHead = method === "HEAD" && allowed === "GET";
  if (method !== allowed && !isHead) {
    return send(
      response,
      405,
      { error: `${path} takes ${allowed}` },
      { allow: allowed === "GET" ? "GET, HEAD" : allowed },
    );
  }
  const { service } = options;
  if (path === "/verify") {
    const refusal = triggerRefusal(request, options.triggerToken);
    if (refusal !== undefined || options.verify === undefined) {
      request.resume();
      if (refusal !== undefined)
        return send(response, refusal.status, { error: refusal.error }, refusal.headers);
      return send(response, 404, { error: "no endpoint /verify" });
    }
    const answer = await options.verify(request);
    return send(response, answer.status, answer.body);
  }
  switch (path) {
    case "/health":
      return send(response, 200, { status: "ok" });
    case "/ready": {
      if (!service.isReady())
        return send(response, 503, { status: "not_ready", reason: "the schema is not migrated yet" });
      if (!(await options.databaseReachable())) {
        return send(response, 503, { status: "not_ready", reason: "the database does not answer" });
      }
      return send(response, 200, { status: "ready" });
    }
    case "/metrics": {
      if (options.metrics === undefined) return send(response, 404, { error: "no endpoint /metrics" });
      const text = await options.metrics();
      response.writeHead(200, {
        "content-type": METRICS_CONTENT_TYPE,
        "cache-control": "no-store",
        "content-length": Buffer.byteLength(text),
      });
      return void response.end(isHead ? undefined : text);
    }
    case "/info": {
      const last = service.lastRun() ?? null;
      return send(response, 200, {
        name: "certs-icao-sync",
        version: options.version,
        database: options.database,
        schedule: options.schedule,
        nextRun: service.nextRun()?.toISOString() ?? null,
        running: service.currentRun() ?? null,
        lastRun: last,
        lastSuccessfulRun: service.lastSuccessfulRun() ?? null,
        counts: service.lastSuccessfulRun()?.counts ?? null,
        store: service.isReady() ? await options.storeStatus() : null,
      });
    }
    default: {
      const refusal = triggerRefusal(request, options.triggerToken);
      if (refusal !== undefined)
        return send(response, refusal.status, { error: refusal.error }, refusal.headers);
      const result = service.trigger("manual");
      if (result.started) return send(response, 202, { status: "started", run: result.run });
      if (result.reason === "running") {
        return send(response, 409, { status: "already_running", run: service.currentRun() ?? null });
      }
      return send(response, 503, { status: result.reason });
    }
  }
}

interface Refusal {
  readonly status: number;
  readonly error: string;
  readonly headers?: Record<string, string>;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * Why a `POST /trigger` may not start a sync, or undefined. With a token: only `Authorization: Bearer
 * <token>` (compared in constant time). Without: only a loopback `Host` (so a DNS-rebound name cannot
 * pass) and no cross-site `Origin` or `Sec-Fetch-Site`, so a web page the operator opens cannot start one.
 */
function triggerRefusal(request: IncomingMessage, token: string | undefined): Refusal | undefined {
  if (token !== undefined) {
    const given = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? "")?.[1];
    if (given !== undefined && timingSafeEqual(digest(given), digest(token))) return undefined;
    return {
      status: 401,
      error: "POST /trigger needs the header Authorization: Bearer <the --trigger-token>",
      headers: { "www-authenticate": 'Bearer realm="certs-icao-sync"' },
    };
  }
  const host = hostOfHeader(request.headers.host);
  if (host === undefined || !isLoopbackHost(host)) {
    return {
      status: 403,
      error: "POST /trigger without --trigger-token is answered only for a loopback Host",
    };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${request.headers.host ?? ""}`) {
    return { status: 403, error: "POST /trigger refuses cross-site requests (Origin is not this server)" };
  }
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return { status: 403, error: `POST /trigger refuses cross-site requests (Sec-Fetch-Site ${site})` };
  }
  return undefined;
}

/** Serves `/health`, `/ready`, `/info` and `POST /trigger` on `host:port`. */
export async function startStatusServer(
  host: string,
  port: number,
  options: StatusServerOptions,
): Promise<StatusServer> {
  const server: Server = createServer((request, response) => {
    // Only /verify reads its body; drain any other so keep-alive connections stay usable.
    if (new URL(request.url ?? "/", "http://localhost").pathname !== "/verify") request.resume();
    handle(request, response, options).catch((error: unknown) => {
      options.logger.error(
        { error: error instanceof Error ? error.message : String(error) },
        "status request failed",
      );
      if (!response.headersSent) send(response, 500, { error: "internal error" });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
