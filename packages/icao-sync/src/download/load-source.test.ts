import { randomBytes } from "node:crypto";
import { mkdtemp, mkdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ErrorCode } from "@certs/result";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "./http-test-server.js";
import { loadSource } from "./load-source.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "icao-load-source-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadSource", () => {
  it("reads a local file given as a path", async () => {
    const file = path.join(dir, "list.ml");
    const bytes = randomBytes(4096);
    await writeFile(file, bytes);
    await utimes(file, new Date("2025-06-25T09:31:57Z"), new Date("2025-06-25T09:31:57Z"));
    const result = await loadSource(file);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Buffer.from(result.value.bytes).equals(bytes)).toBe(true);
    expect(result.value.url).toBe(pathToFileURL(file).href);
    expect(result.value.lastModified).toBe("Wed, 25 Jun 2025 09:31:57 GMT");
    expect(result.value.attempts).toBe(1);
  });

  it("reads a file: URL, and a relative path from the working directory", async () => {
    const file = path.join(dir, "list with space.ml");
    await writeFile(file, "abc");
    const byUrl = await loadSource(pathToFileURL(file).href);
    expect(byUrl.ok && Buffer.from(byUrl.value.bytes).toString()).toBe("abc");
    const relative = path.relative(process.cwd(), file);
    const byRelativePath = await loadSource(relative);
    expect(byRelativePath.ok && Buffer.from(byRelativePath.value.bytes).toString()).toBe("abc");
  });

  it("a missing file is a FILE_ERROR naming the path", async () => {
    const file = path.join(dir, "no-such.ml");
    const result = await loadSource(file);
    expect(!result.ok && result.error.code).toBe(ErrorCode.FILE_ERROR);
    expect(!result.ok && result.error.message).toBe(`source file ${file} does not exist`);
    expect(!result.ok && result.error.details).toEqual({ path: file });
  });

  it("a directory is a FILE_ERROR", async () => {
    const sub = path.join(dir, "a-directory");
    await mkdir(sub);
    const result = await loadSource(sub);
    expect(!result.ok && result.error.code).toBe(ErrorCode.FILE_ERROR);
    expect(!result.ok && result.error.message).toBe(`source file ${sub} is not a regular file`);
  });

  it("a file over maxBytes is a FILE_ERROR and is not read", async () => {
    const file = path.join(dir, "big.ml");
    await writeFile(file, Buffer.alloc(2048));
    const result = await loadSource(file, { maxBytes: 1024 });
    expect(!result.ok && result.error.code).toBe(ErrorCode.FILE_ERROR);
    expect(!result.ok && result.error.message).toBe(`source file ${file} is larger than the 1 KiB limit`);
  });

  it("an aborted signal is CANCELLED", async () => {
    const file = path.join(dir, "list.ml");
    await writeFile(file, "abc");
    const result = await loadSource(file, { signal: AbortSignal.abort() });
    expect(!result.ok && result.error.code).toBe(ErrorCode.CANCELLED);
  });

  it("downloads an http URL with the same options", async () => {
    const server = await startTestServer({ "/ml.bin": (_req, res) => res.end("remote list") });
    try {
      const result = await loadSource(server.url("/ml.bin"), { headers: { "X-Api-Key": "k" } });
      expect(result.ok && Buffer.from(result.value.bytes).toString()).toBe("remote list");
      expect(result.ok && result.value.url).toBe(server.url("/ml.bin"));
      expect(server.requests[0]?.headers["x-api-key"]).toBe("k");
    } finally {
      await server.close();
    }
  });

  it("refuses other URL schemes with a CONFIGURATION_ERROR", async () => {
    const result = await loadSource("ftp://pkd.example/ml.bin");
    expect(!result.ok && result.error.code).toBe(ErrorCode.CONFIGURATION_ERROR);
    expect(!result.ok && result.error.message).toBe(
      'cannot load "ftp://pkd.example/ml.bin": give a file path or an http, https or file URL',
    );
  });
});
