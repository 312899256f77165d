import { ErrorCode } from "@certs/result";
import { afterEach, describe, expect, it } from "vitest";
import { downloadSource } from "./download-source.js";
import { startTestServer, type TestServer } from "./http-test-server.js";

const ETAG = '"ml-v1"';
const LAST_MODIFIED = "Tue, 02 Dec 2025 10:00:00 GMT";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A source that answers 304 to its own ETag and 200 with the list otherwise. */
async function listServer(): Promise<TestServer> {
  const server = await startTestServer({
    "/ml.bin": (req, res) => {
      if (req.headers["if-none-match"] === ETAG) {
        res.writeHead(304, { etag: ETAG }).end();
        return;
      }
      res.writeHead(200, { etag: ETAG, "last-modified": LAST_MODIFIED }).end("the list");
    },
  });
  servers.push(server);
  return server;
}

describe("downloadSource with conditional", () => {
  it("sends If-None-Match and If-Modified-Since and takes a 304 as not modified, without bytes", async () => {
    const server = await listServer();
    const first = await downloadSource(server.url("/ml.bin"));
    expect(first.ok && first.value).toMatchObject({ etag: ETAG, lastModified: LAST_MODIFIED });
    expect(first.ok && first.value.notModified).toBeUndefined();
    const second = await downloadSource(server.url("/ml.bin"), {
      conditional: { etag: ETAG, lastModified: LAST_MODIFIED },
    });
    expect(second.ok && second.value).toMatchObject({ notModified: true, etag: ETAG, attempts: 1 });
    expect(second.ok && second.value.bytes.byteLength).toBe(0);
    const [, conditional] = server.requestsTo("/ml.bin");
    expect(conditional?.headers["if-none-match"]).toBe(ETAG);
    expect(conditional?.headers["if-modified-since"]).toBe(LAST_MODIFIED);
  });

  it("a changed list answers 200 with its bytes; a 304 without conditional is a failure", async () => {
    const server = await listServer();
    const changed = await downloadSource(server.url("/ml.bin"), { conditional: { etag: '"ml-v0"' } });
    expect(changed.ok && new TextDecoder().decode(changed.value.bytes)).toBe("the list");
    const unasked = await startTestServer({ "/ml.bin": (_req, res) => res.writeHead(304).end() });
    servers.push(unasked);
    const refused = await downloadSource(unasked.url("/ml.bin"));
    expect(!refused.ok && refused.error).toMatchObject({ code: ErrorCode.DOWNLOAD_ERROR });
  });

  it("the validators (no credential) go to the origin a redirect leads to; a line break in one is refused", async () => {
    const mirror = await listServer();
    const redirecting = await startTestServer({
      "/ml.bin": (_req, res) => res.writeHead(302, { location: mirror.url("/ml.bin") }).end(),
    });
    servers.push(redirecting);
    const result = await downloadSource(redirecting.url("/ml.bin"), {
      headers: { "x-api-key": "k-123456" },
      conditional: { etag: ETAG },
    });
    expect(result.ok && result.value.notModified).toBe(true);
    expect(mirror.requestsTo("/ml.bin")[0]?.headers["x-api-key"]).toBeUndefined();
    const bad = await downloadSource(mirror.url("/ml.bin"), { conditional: { etag: '"a"\r\nx: y' } });
    expect(!bad.ok && bad.error.code).toBe(ErrorCode.CONFIGURATION_ERROR);
  });
});
