import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const packageDir = path.resolve(import.meta.dirname, "..");
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Writes a compact customer mapping file of at least `bytes` bytes: the most members per megabyte. */
async function writeCustomerMappings(file: string, bytes: number): Promise<number> {
  const out = createWriteStream(file);
  let written = 0;
  let members = 0;
  out.write("{");
  while (written < bytes) {
    const parts: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      members += 1;
      parts.push(`"${members}": ${(members % 50_000) + 1}, `);
    }
    const chunk = parts.join("");
    written += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  members += 1;
  out.end(`"${members}": 1}`);
  await new Promise<void>((resolve) => out.once("finish", () => resolve()));
  return members;
}

describe("large mapping files", () => {
  it("a 100 MB customer mapping file is read in under 1 GB of memory", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "big-mappings-"));
    dirs.push(dir);
    const file = path.join(dir, "customer_mappings.json");
    const members = await writeCustomerMappings(file, 100 * 1024 * 1024);
    expect((await stat(file)).size).toBeGreaterThanOrEqual(100 * 1024 * 1024);
    const child = spawn(process.execPath, ["--import", "tsx", "test/child/load-mappings.ts", dir], {
      cwd: packageDir,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(packageDir, "test/child/tsconfig.json") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { customers: number; maxRssBytes: number };
    expect(report.customers).toBe(members);
    expect(report.maxRssBytes).toBeLessThan(1024 * 1024 * 1024);
  }, 180_000);
});
