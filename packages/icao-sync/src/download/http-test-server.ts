import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the test server saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Answers one request; `seen` counts earlier requests to the same path (0 for the first). */
export type TestHandler = (request: IncomingMessage, response: ServerResponse, seen: number) => void;

/** A real HTTP server on 127.0.0.1 that records every request, for the download tests. */
export interface TestServer {
  /** `http://127.0.0.1:<port><path>`. */
  url(path: string): string;
  readonly requests: RecordedRequest[];
  /** The recorded requests to `path`. */
  requestsTo(path: string): RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a server routing by path (without the query); unknown paths answer 404. */
export async function startTestServer(routes: Readonly<Record<string, TestHandler>>): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = new URL(request.url ?? "/", "http://test").pathname;
      const seen = requests.filter((r) => r.path === path).length;
      requests.push({
        method: request.method ?? "",
        path,
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const handler = routes[path];
      if (handler === undefined) {
        response.writeHead(404).end();
        return;
      }
      handler(request, response, seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
