import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { count } from "./support/destination-rows.js";
import { prepareScenario } from "./support/scenario.js";

const packageDir = path.resolve(import.meta.dirname, "..");

describe("the README", () => {
  it("its first example runs as written, against real databases", async () => {
    const scenario = await prepareScenario({ certificates: 200, seed: "readme" });
    const script = path.join(packageDir, "test/child/readme-example.generated.ts");
    try {
      const readme = await readFile(path.join(packageDir, "README.md"), "utf8");
      const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(example).toBeDefined();
      const code = (example as string)
        .replace(
          '"mysql://reader:secret@legacy-db:3306/resolutedynam9_cms"',
          JSON.stringify(scenario.legacyUrl),
        )
        .replace(
          '"mysql://writer:secret@new-db:3306/rd_cms_migrated"',
          JSON.stringify(scenario.destinationUrl),
        )
        .replace('"./mappings"', JSON.stringify(scenario.mappingDir))
        .replace(
          '"certificate_migration_report.xlsx"',
          JSON.stringify(path.join(scenario.mappingDir, "r.xlsx")),
        )
        .replace('from "@certs/legacy-migration"', 'from "../../src/index.js"');
      await writeFile(script, code);
      const child = spawn(process.execPath, ["--import", "tsx", script], {
        cwd: packageDir,
        env: { ...process.env, TSX_TSCONFIG_PATH: path.join(packageDir, "test/child/tsconfig.json") },
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exitCode = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(exitCode, output).toBe(0);
      expect(output).toMatch(/\d+ migrated, \d+ failed, \d+ skipped in \d+ s/);
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates")).toBeGreaterThan(
        100,
      );
    } finally {
      await rm(script, { force: true });
      await scenario.close();
    }
  }, 60_000);
});
