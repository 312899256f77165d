import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic, writeTextFileAtomic } from "./atomic-file.js";

describe("writeFileAtomic", () => {
  it("replaces the file's content", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "atomic-"));
    const file = path.join(dir, "a.json");
    await writeFile(file, "old");
    expect((await writeTextFileAtomic(file, "new")).ok).toBe(true);
    expect(await readFile(file, "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["a.json"]);
  });

  it("a writer that fails half-way leaves the old file and no temporary file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "atomic-"));
    const file = path.join(dir, "a.json");
    await writeFile(file, "old");
    const result = await writeFileAtomic(file, async (handle) => {
      await handle.write("partial");
      throw new Error("disk full");
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("FILE_ERROR");
      expect(result.error.message).toContain(file);
    }
    expect(await readFile(file, "utf8")).toBe("old");
    expect(await readdir(dir)).toEqual(["a.json"]);
  });

  it("a directory that does not exist is a FILE_ERROR naming the file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "atomic-"));
    const file = path.join(dir, "missing", "a.json");
    const result = await writeTextFileAtomic(file, "new");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("FILE_ERROR");
      expect(result.error.message).toContain(file);
    }
  });
});
