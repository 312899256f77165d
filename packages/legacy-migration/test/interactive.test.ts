import path from "node:path";
import { Result } from "@certs/result";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import {
  migrateInteractively,
  openMigrationSession,
  type InteractiveChoice,
  type InteractiveStep,
  type MigrationProgress,
} from "../src/index.js";
import { count, migratedCertificates } from "./support/destination-rows.js";
import { certificate, handmadeDataset } from "./support/handmade.js";
import { prepareScenario, type Scenario } from "./support/scenario.js";

const CERTIFICATES = [
  certificate(1),
  certificate(2, { ecu: "XYZ404" }),
  certificate(3, { vehicle_type: "Canter" }),
  certificate(4),
  certificate(5),
];

/** An operator who answers from a script and remembers what was shown. */
function scriptedOperator(answers: Array<InteractiveChoice | Error>) {
  const shown: InteractiveStep[] = [];
  return {
    shown,
    decide: (step: InteractiveStep): Promise<InteractiveChoice> => {
      shown.push(step);
      const answer = answers.shift() ?? "exit";
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
}

async function pending(scenario: Scenario): Promise<number> {
  const session = Result.getOrThrow(
    await openMigrationSession(
      { legacy: scenario.legacy, destination: scenario.destination },
      { mappingFiles: scenario.paths },
    ),
  );
  return Result.getOrThrow(await session.countPending());
}

describe("the interactive mode, driven by an injected prompt", () => {
  it("shows each certificate with its preview, then migrates, skips or exits, with running totals", async () => {
    const scenario = await prepareScenario({ dataset: handmadeDataset(CERTIFICATES) });
    try {
      const operator = scriptedOperator(["migrate", "migrate", "skip", "migrate", "exit"]);
      const totals: MigrationProgress[] = [];
      const reportPath = path.join(scenario.mappingDir, "interactive.xlsx");
      const summary = Result.getOrThrow(
        await migrateInteractively(
          { legacy: scenario.legacy, destination: scenario.destination },
          {
            mappingFiles: scenario.paths,
            decide: operator.decide,
            onOutcome: (_, p) => totals.push(p),
            reportPath,
          },
        ),
      );
      expect(operator.shown.map((s) => [s.position, s.total, s.record.id])).toEqual([
        [1, 5, 1],
        [2, 5, 2],
        [3, 5, 3],
        [4, 5, 4],
        [5, 5, 5],
      ]);
      const first = operator.shown[0]?.preview;
      expect(first?.ok && { status: first.plan.status, vehicle: first.plan.vehicle?.brand }).toEqual({
        status: "active",
        vehicle: "Toyota",
      });
      const second = operator.shown[1]?.preview;
      expect(second?.ok === false && second.failures.map((f) => f.step)).toEqual(["device"]);
      expect(totals.map((t) => [t.migrated, t.failed, t.skipped])).toEqual([
        [1, 0, 0],
        [1, 1, 0],
        [1, 1, 1],
        [2, 1, 1],
      ]);
      expect(summary).toMatchObject({
        mode: "interactive",
        stopReason: "cancelled",
        migrated: 2,
        failed: 1,
        skipped: 1,
      });
      expect([...(await migratedCertificates(scenario.destination)).keys()].sort()).toEqual([1, 4]);
      // Skipped and never-shown certificates stay pending; so does the failed one.
      expect(await pending(scenario)).toBe(3);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(reportPath);
      const unmigrated = workbook.getWorksheet("Unmigrated");
      expect(unmigrated?.getRow(3).getCell(5).value).toBe("SKIPPED");
    } finally {
      await scenario.close();
    }
  });

  it("Ctrl+C at the prompt ends the run cleanly: it is never taken as skip", async () => {
    const scenario = await prepareScenario({ dataset: handmadeDataset(CERTIFICATES) });
    try {
      const interrupted = Object.assign(new Error("User force closed the prompt with SIGINT"), {
        name: "ExitPromptError",
      });
      const operator = scriptedOperator(["migrate", interrupted, "migrate", "migrate"]);
      const summary = Result.getOrThrow(
        await migrateInteractively(
          { legacy: scenario.legacy, destination: scenario.destination },
          { mappingFiles: scenario.paths, decide: operator.decide },
        ),
      );
      expect(operator.shown).toHaveLength(2);
      expect(summary).toMatchObject({ stopReason: "cancelled", migrated: 1, skipped: 0, failed: 0 });
      expect(await count(scenario.destination, "SELECT COUNT(*) AS n FROM certificates")).toBe(1);
      expect(await pending(scenario)).toBe(4);
    } finally {
      await scenario.close();
    }
  });

  it("an aborted signal stops before the next certificate is shown", async () => {
    const scenario = await prepareScenario({ dataset: handmadeDataset(CERTIFICATES) });
    try {
      const controller = new AbortController();
      let shown = 0;
      const summary = Result.getOrThrow(
        await migrateInteractively(
          { legacy: scenario.legacy, destination: scenario.destination },
          {
            mappingFiles: scenario.paths,
            signal: controller.signal,
            decide: () => {
              shown += 1;
              if (shown === 2) controller.abort();
              return Promise.resolve("migrate");
            },
          },
        ),
      );
      expect(shown).toBe(2);
      expect(summary).toMatchObject({ stopReason: "cancelled", migrated: 1 });
    } finally {
      await scenario.close();
    }
  });
});
