/**
 * Watches one pooled driver connection (a pg `Client` or a mysql2 `PoolConnection`) for the errors it
 * reports on its own, outside any statement: the server ending the session, a reset socket.
 */
export interface ConnectionWatch {
  /** True once the connection emitted an error: it is no longer usable. */
  readonly broken: boolean;
  /** The first error it emitted. */
  readonly failure: unknown;
  /**
   * Closes the connection so its pool never hands it out again: mysql2 removes a destroyed connection from
   * its pool, and pg-pool drops a client that is ending when it comes back.
   */
  discard(): void;
  /** Stops listening, before the connection goes back to its pool. */
  stop(): void;
}

interface DriverConnection {
  on(event: "error", listener: (error: unknown) => void): unknown;
  removeListener(event: "error", listener: (error: unknown) => void): unknown;
  destroy?: () => unknown;
  end?: () => unknown;
}

/** Starts watching `connection` (what TypeORM's `queryRunner.connect()` resolves to). */
export function watchConnection(connection: unknown): ConnectionWatch {
  let broken = false;
  let failure: unknown;
  const onError = (error: unknown): void => {
    if (broken) return;
    broken = true;
    failure = error;
  };
  const driver = isDriverConnection(connection) ? connection : undefined;
  driver?.on("error", onError);
  return {
    get broken() {
      return broken;
    },
    get failure() {
      return failure;
    },
    discard() {
      if (driver === undefined) return;
      // mysql2 has both; its pooled `end()` only warns that it is deprecated, so `destroy()` comes first.
      if (typeof driver.destroy === "function") {
        driver.destroy();
      } else if (typeof driver.end === "function") {
        Promise.resolve(driver.end()).catch(() => {});
      }
    },
    stop() {
      driver?.removeListener("error", onError);
    },
  };
}

function isDriverConnection(value: unknown): value is DriverConnection {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.on === "function" && typeof candidate.removeListener === "function";
}
