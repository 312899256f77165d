import { appError, err, ErrorCode, type AppError, type Result } from "@certs/result";
import { Command, CommanderError } from "commander";
import type { Logger as PinoLogger } from "pino";
import type { LoggingSettings } from "./common-flags.js";
import { ExitCode, exitCodeFor } from "./exit-codes.js";
import { formatFailure } from "./failure.js";
import { handleInterrupts } from "./interrupt.js";
import { createAppLogger } from "./logger.js";

/** What an app says about itself in `--help` and `--version`. */
export interface ProgramInfo {
  /** The command as users type it, e.g. `certs-ct-export`. */
  readonly name: string;
  readonly description: string;
  readonly version: string;
  /** Command lines under "Examples:" in `--help`, the name prepended unless a line has it (after env settings). */
  readonly examples: readonly string[];
  /** The text after the examples, e.g. what the exit codes mean for this app. */
  readonly footer?: string;
}

/** The help text block for `examples`, then `footer`. */
export function examplesHelp(name: string, examples: readonly string[], footer?: string): string {
  const lines = examples.map((example) => `  $ ${example.includes(name) ? "" : `${name} `}${example}`);
  return `\nExamples:\n${lines.join("\n")}${footer === undefined ? "" : `\n\n${footer}`}`;
}

/**
 * The commander program of an app: name, version, description and examples in `--help`; a usage error is
 * one line on stderr (`error: unknown option '--x' (see certs-ct-export --help)`) and exit code 2. Its
 * subcommands inherit this.
 */
export function createProgram(info: ProgramInfo): Command {
  return new Command()
    .name(info.name)
    .description(info.description)
    .version(info.version)
    .exitOverride()
    .configureOutput({
      outputError: (message, write) =>
        write(`${message.trim().split("\n").join(" ")} (see ${info.name} --help)\n`),
    })
    .addHelpText("after", examplesHelp(info.name, info.examples, info.footer));
}

/** Adds `command`'s help (usage, options, examples) after the program's own, for a default command. */
export function showDefaultCommandHelp(program: Command, command: Command): void {
  program.addHelpText(
    "after",
    () =>
      `\nThe default command, "${command.name()}" (options can be given without it):\n\n${command.helpInformation().trimEnd()}`,
  );
}

/**
 * Parses the command line and runs the chosen action; sets `process.exitCode`: 2 for a usage error, 0 after
 * `--help`/`--version`, otherwise what the action returned. A reader of stdout that stops early (`| head`)
 * is not an error.
 */
export async function runProgram(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(ExitCode.OK);
    throw error;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // commander has printed the help, the version or its one-line message already.
    process.exitCode = error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  }
}

/** What a job gets from {@link runJob}. */
export interface JobContext {
  /** Logs to stderr at the chosen `--log-level`. */
  readonly logger: PinoLogger;
  /** Aborted on the first Ctrl+C or SIGTERM: pass it to the library, which stops safely. */
  readonly signal: AbortSignal;
  /** Runs `cleanup` when the job ends (the last one added first), and at once on a second Ctrl+C. */
  defer(cleanup: () => Promise<void> | void): void;
}

/**
 * The frame of every app command: refuses bad settings, makes the logger, handles Ctrl+C/SIGTERM, runs the
 * job, runs its cleanups, and turns a failure into the one-line `error: CODE: message` on stderr. Returns
 * the exit code: the job's own on success; {@link exitCodeFor} the failure's code otherwise; 130/143 after
 * an interrupt whatever the outcome.
 */
export async function runJob<S extends LoggingSettings>(
  settings: Result<S>,
  job: (settings: S, context: JobContext) => Promise<Result<ExitCode, AppError>>,
): Promise<ExitCode> {
  if (!settings.ok) return report(settings.error, false);
  const { logLevel, verbose } = settings.value;
  const logger = createAppLogger({ level: logLevel });
  const cleanups: (() => Promise<void> | void)[] = [];
  const interrupts = handleInterrupts(() => {
    for (const cleanup of [...cleanups].reverse()) void Promise.resolve(cleanup()).catch(() => {});
  });
  let outcome: Result<ExitCode, AppError>;
  try {
    outcome = await job(settings.value, {
      logger,
      signal: interrupts.signal,
      defer: (c) => cleanups.push(c),
    });
  } catch (error) {
    outcome = err(
      appError(ErrorCode.UNEXPECTED_ERROR, "The job stopped on an unexpected error.", { cause: error }),
    );
  } finally {
    interrupts.dispose();
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  }
  const interrupted = interrupts.exitCode();
  if (!outcome.ok) {
    const code = report(outcome.error, verbose);
    return interrupted ?? code;
  }
  return interrupted ?? outcome.value;
}

/** Prints the one-line failure on stderr and returns its exit code. */
function report(error: AppError, verbose: boolean): ExitCode {
  process.stderr.write(`${formatFailure(error, verbose)}\n`);
  return exitCodeFor(error);
}
