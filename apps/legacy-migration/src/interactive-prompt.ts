import { select } from "@inquirer/prompts";
import type { InteractiveChoice, InteractiveStep, LegacyDateValue } from "@certs/legacy-migration";

function formatDate(value: Date | null): string {
  return value === null ? "-" : value.toISOString().replace(".000Z", "Z");
}

/** A legacy date as stored: an epoch integer or local wall-clock text. */
function formatLegacyDate(value: LegacyDateValue): string {
  if (value.raw === null) return "-";
  return value.kind === "epoch" ? `${value.raw} (epoch)` : `${value.raw} (local)`;
}

/** The text shown for one certificate: its legacy fields and the destination rows it would produce. */
export function describeStep(step: InteractiveStep): string {
  const { record, preview, progress } = step;
  const lines = [
    "",
    `Certificate ${step.position} of ${step.total}: legacy id ${record.id}, serial ${record.serialNumber ?? "(none)"}, ECU ${record.ecu}`,
    `  vehicle: ${record.vehicleType} / ${record.vehicleRegistration} / chassis ${record.vehicleChassis}; speed '${record.speed}'`,
    `  installed ${formatLegacyDate(record.installationDate)}, calibrated ${formatLegacyDate(record.calibrationDate)}, expires ${formatLegacyDate(record.expiryDate)}`,
  ];
  if (preview.ok) {
    const plan = preview.plan;
    lines.push(
      `  -> certificate: status ${plan.status}, speed ${plan.speedLimit}, device ${plan.deviceId}${plan.blockDevice ? " (will be blocked)" : ""}, customer ${plan.customerId ?? "-"}`,
      `  -> dates (UTC): installation ${formatDate(plan.installationDate)}, calibration ${formatDate(plan.calibrationDate)}, expiry ${formatDate(plan.expiryDate)}`,
      `  -> vehicle: ${plan.vehicle ? `${plan.vehicle.brand} / ${plan.vehicle.model} / ${plan.vehicle.vehicleNo}` : "none"}; dealer ${plan.dealerName}`,
    );
    for (const warning of plan.warnings) lines.push(`  warning: ${warning}`);
  } else {
    for (const failure of preview.failures)
      lines.push(`  cannot migrate (${failure.step}): ${failure.error.message}`);
  }
  lines.push(
    `  so far: ${progress.migrated} migrated, ${progress.failed} failed, ${progress.skipped} skipped`,
  );
  return lines.join("\n");
}

/** Asks Migrate / Skip / Exit on the terminal; Ctrl+C inside the prompt rejects, which the library treats as exit. */
export async function askOperator(step: InteractiveStep): Promise<InteractiveChoice> {
  process.stdout.write(`${describeStep(step)}\n`);
  return select<InteractiveChoice>({
    message: "What should happen to this certificate?",
    choices: [
      { name: "Migrate", value: "migrate" },
      { name: "Skip (it stays pending)", value: "skip" },
      { name: "Exit", value: "exit" },
    ],
  });
}

/**
 * For `--mode interactive` without a terminal (scripts, tests): reads one answer per line from stdin,
 * `m`/`migrate`, `s`/`skip` or `e`/`exit`; the end of input is `end` (the run stops as interrupted).
 */
export function lineAnswers(
  input: NodeJS.ReadableStream,
): (step: InteractiveStep) => Promise<InteractiveChoice | "end"> {
  const pending: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  let ended = false;
  let buffer = "";
  input.setEncoding("utf8");
  input.on("data", (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else pending.push(line);
      newline = buffer.indexOf("\n");
    }
  });
  input.on("end", () => {
    ended = true;
    for (const waiter of waiting.splice(0)) waiter(null);
  });
  const nextLine = (): Promise<string | null> => {
    const line = pending.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (ended) return Promise.resolve(null);
    return new Promise((resolve) => waiting.push(resolve));
  };
  return async (step) => {
    process.stdout.write(`${describeStep(step)}\n[m]igrate, [s]kip or [e]xit? `);
    for (;;) {
      const line = await nextLine();
      if (line === null) return "end";
      const answer = line.toLowerCase();
      if (answer === "m" || answer === "migrate") return "migrate";
      if (answer === "s" || answer === "skip") return "skip";
      if (answer === "e" || answer === "exit") return "exit";
      process.stdout.write(`'${line}' is not an answer: [m]igrate, [s]kip or [e]xit? `);
    }
  };
}
