import type { Logger as TypeormLogger } from "typeorm";
import type { Logger } from "./logger.js";
import { redactError, redactSecrets } from "./redact.js";

/**
 * Forwards TypeORM's log calls to a {@link Logger}, masking secrets. Query parameters are never logged
 * (they are user data); failed queries go to `debug` because the caller receives them as a Result anyway.
 */
export class QueryLogger implements TypeormLogger {
  readonly #logger: Logger;
  readonly #logQueries: boolean;
  readonly #secrets: readonly string[];

  constructor(logger: Logger, logQueries: boolean, secrets: readonly string[]) {
    this.#logger = logger;
    this.#logQueries = logQueries;
    this.#secrets = secrets;
  }

  logQuery(query: string): void {
    if (this.#logQueries) this.#logger.debug({ query: this.#mask(query) }, "database query");
  }

  logQueryError(error: string | Error, query: string): void {
    this.#logger.debug(
      { query: this.#mask(query), err: redactError(error, this.#secrets) },
      "database query failed",
    );
  }

  logQuerySlow(time: number, query: string): void {
    this.#logger.warn({ query: this.#mask(query), durationMs: time }, "slow database query");
  }

  logSchemaBuild(message: string): void {
    this.#logger.info({ detail: this.#mask(message) }, "database schema");
  }

  logMigration(message: string): void {
    this.#logger.info({ detail: this.#mask(message) }, "database migration");
  }

  log(level: "log" | "info" | "warn", message: unknown): void {
    const text = this.#mask(typeof message === "string" ? message : String(message));
    if (level === "warn") this.#logger.warn({ detail: text }, "database driver warning");
    else this.#logger.debug({ detail: text }, "database driver message");
  }

  #mask(text: string): string {
    return redactSecrets(text, this.#secrets);
  }
}
