export { ExitCode } from "./exit-codes.js";
export { createAppLogger, LOG_LEVELS, type LogLevel, type AppLoggerOptions } from "./logger.js";
export { formatFailure } from "./failure.js";
export { handleInterrupts, type Interrupts } from "./interrupt.js";
export { resolveSettings, type SettingSource, type ResolveSettingsInput } from "./settings.js";
export { openAppDatabase, type AppDatabase } from "./database.js";
export { createProgress, type ProgressReporter } from "./progress.js";
