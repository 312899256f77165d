export { ExitCode, EXIT_CODE_BY_ERROR_CODE, exitCodeFor } from "./exit-codes.js";
export { createAppLogger, LOG_LEVELS, type LogLevel, type AppLoggerOptions } from "./logger.js";
export { formatFailure } from "./failure.js";
export { handleInterrupts, type Interrupts } from "./interrupt.js";
export {
  resolveSettings,
  settingsReader,
  type SettingSource,
  type SettingsReader,
  type ResolveSettingsInput,
} from "./settings.js";
export {
  wholeNumber,
  positiveWholeNumber,
  oneOf,
  text,
  httpUrl,
  yesNo,
  listOf,
  writableFilePath,
} from "./setting-values.js";
export {
  COMMON_SOURCES,
  DATABASE_SETTINGS,
  LOGGING_SETTINGS,
  JSON_SETTING,
  databaseUrl,
  addDatabaseFlags,
  addCommonFlags,
  givenFlags,
  type LoggingSettings,
} from "./common-flags.js";
export {
  createProgram,
  examplesHelp,
  showDefaultCommandHelp,
  runProgram,
  runJob,
  type ProgramInfo,
  type JobContext,
} from "./program.js";
export { openAppDatabase, type AppDatabase } from "./database.js";
export { createProgress, type ProgressReporter } from "./progress.js";
