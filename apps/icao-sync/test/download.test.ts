import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFlags, type Material, tableCounts, tableIds, useTestStore } from "./material.js";
import { runCli } from "./served-app.js";

const TOKEN = "pkd-bearer-token-7f3a";

let db: TestDatabase;
let pool: pg.Pool;
let material: Material;
let server: Server;
let base: string;
const seen: { path: string; authorization: string | undefined }[] = [];
useTestStore("download", (store) => ({ db, pool, material } = store));

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ path: request.url ?? "", authorization: request.headers.authorization });
    if (request.url === "/ml/list.ml" && request.headers.authorization === `Bearer ${TOKEN}`) {
      response.writeHead(200, { "content-type": "application/octet-stream" }).end(material.pki.masterList);
    } else if (request.url === "/ml/list.ml") {
      response.writeHead(401).end();
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe("certs-icao-sync run with URL sources", () => {
  it("downloads with the bearer token from CERTS_BEARER_TOKEN and never prints it", async () => {
    const outcome = await runCli(["run", ...listFlags(db.url, material, `${base}/ml/list.ml`), "--json"], {
      CERTS_BEARER_TOKEN: TOKEN,
      CERTS_LOG_LEVEL: "debug",
    });
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ status: "replaced" });
    expect((await tableCounts(pool)).root_ca).toBe(material.pki.cscas.length);
    expect(seen.filter((r) => r.path === "/ml/list.ml").map((r) => r.authorization)).toEqual([
      `Bearer ${TOKEN}`,
    ]);
    expect(outcome.stdout + outcome.stderr).not.toContain(TOKEN);
  });

  it("a refused download exits 1 with a DOWNLOAD_ERROR and leaves the tables alone", async () => {
    const before = await tableIds(pool);
    const outcome = await runCli([
      "run",
      ...listFlags(db.url, material, `${base}/ml/list.ml`),
      "--retries",
      "0",
    ]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr.trim().split("\n")).toHaveLength(1);
    expect(outcome.stderr).toMatch(/^error: DOWNLOAD_ERROR: .*401/);
    expect(await tableIds(pool)).toEqual(before);
  });

  it("sends --header values to the source's origin only, not to the mirror a redirect points at", async () => {
    const mirrorSeen: IncomingHttpHeaders[] = [];
    const mirror = createServer((request, response) => {
      mirrorSeen.push(request.headers);
      response.writeHead(200).end(material.pki.masterList);
    });
    const sourceSeen: IncomingHttpHeaders[] = [];
    const source = createServer((request, response) => {
      sourceSeen.push(request.headers);
      const port = (mirror.address() as AddressInfo).port;
      response.writeHead(302, { location: `http://127.0.0.1:${port}/list.ml` }).end();
    });
    await Promise.all(
      [mirror, source].map((s) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))),
    );
    try {
      const sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}/list.ml`;
      const outcome = await runCli(
        [
          "run",
          ...listFlags(db.url, material, sourceUrl),
          "--header",
          "X-Api-Key: pkd-api-key-51c2",
          "--header",
          "X-Tenant: de",
          "--force",
          "--json",
        ],
        { CERTS_BEARER_TOKEN: TOKEN },
      );
      expect(outcome.code).toBe(0);
      expect(sourceSeen[0]).toMatchObject({
        "x-api-key": "pkd-api-key-51c2",
        "x-tenant": "de",
        authorization: `Bearer ${TOKEN}`,
      });
      expect(mirrorSeen).toHaveLength(1);
      expect(mirrorSeen[0]?.["x-api-key"]).toBeUndefined();
      expect(mirrorSeen[0]?.["x-tenant"]).toBeUndefined();
      expect(mirrorSeen[0]?.authorization).toBeUndefined();
    } finally {
      for (const s of [mirror, source]) s.closeAllConnections();
      await Promise.all([mirror, source].map((s) => new Promise((resolve) => s.close(resolve))));
    }
  });
});
