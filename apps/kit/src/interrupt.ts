import { ExitCode } from "./exit-codes.js";

/** What {@link handleInterrupts} gives the app: a signal for the library and the exit code to use. */
export interface Interrupts {
  /** Aborted on the first Ctrl+C or SIGTERM: the library finishes or rolls back the unit in flight. */
  readonly signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM, undefined when not interrupted. */
  exitCode(): ExitCode | undefined;
  /** Removes the handlers (for tests and for apps that go on after the job). */
  dispose(): void;
}

/**
 * First SIGINT/SIGTERM: abort the signal so the job stops safely. Second: run `onForce` (roll back,
 * stop servers) and exit at once with 130/143.
 */
export function handleInterrupts(onForce: () => void = () => {}): Interrupts {
  const controller = new AbortController();
  let received: ExitCode | undefined;
  const handler = (name: NodeJS.Signals) => {
    const code = name === "SIGINT" ? ExitCode.INTERRUPTED : ExitCode.TERMINATED;
    if (received !== undefined) {
      process.stderr.write("\nInterrupted again: stopping now.\n");
      onForce();
      process.exit(code);
    }
    received = code;
    process.stderr.write(
      `\n${name} received: finishing the work in flight (press Ctrl+C again to stop at once).\n`,
    );
    controller.abort(new Error(`${name} received`));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    exitCode: () => received,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
