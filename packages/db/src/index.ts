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
} from "./ConnectionUrl.js";
export type { ConnectionOptions, TlsOptions } from "./ConnectionOptions.js";
export { openDataSource, closeDataSource, describeServer, type OpenDataSourceOptions } from "./DataSource.js";
export { transaction, type IsolationLevel, type TransactionOptions } from "./transaction.js";
export {
  classifyDbError,
  databaseError,
  isDriverError,
  type DbErrorKind,
  type DbErrorClassification,
} from "./DbError.js";
export {
  retry,
  backoffDelayMs,
  abortableSleep,
  defaultRetryPolicy,
  type RetryPolicy,
  type RetryOptions,
  type Sleep,
} from "./retry.js";
export { redactUrl, redactSecrets, redactError, REDACTED, type RedactedError } from "./redact.js";
export {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from "./EmbeddedPostgres.js";
export { createPgPool, type PgPoolOptions } from "./pgPool.js";
export { silentLogger, type Logger } from "./Logger.js";
