export {
  parseConnectionUrl,
  formatConnectionUrl,
  embeddedConnectionSpec,
  DEFAULT_EMBEDDED_DATA_DIR,
  type ConnectionSpec,
  type ServerConnectionSpec,
  type MysqlConnectionSpec,
  type PostgresConnectionSpec,
  type EmbeddedConnectionSpec,
  type ServerAddress,
  type TlsMode,
} from "./connection-url.js";
export type { ConnectionOptions, TlsOptions } from "./connection-options.js";
export {
  openDataSource,
  closeDataSource,
  describeServer,
  type OpenDataSourceOptions,
} from "./data-source.js";
export { transaction, type IsolationLevel, type TransactionOptions } from "./transaction.js";
export { pgTransaction } from "./pg-transaction.js";
export { sqlDialect, quoteIdentifier, placeholder, placeholders, type SqlDialect } from "./sql-dialect.js";
export {
  classifyDbError,
  databaseError,
  isDriverError,
  type DbErrorKind,
  type DbErrorClassification,
} from "./db-error.js";
export {
  retry,
  backoffDelayMs,
  abortableSleep,
  defaultRetryPolicy,
  validateRetryPolicy,
  type RetryPolicy,
  type RetryOptions,
  type Sleep,
} from "./retry.js";
export { redactUrl, redactSecrets, redactError, REDACTED, type RedactedError } from "./redact.js";
export { createPgPool, type PgPoolOptions } from "./pg-pool.js";
export { silentLogger, type Logger } from "./logger.js";
