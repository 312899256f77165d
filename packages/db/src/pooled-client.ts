import type pg from "pg";

/** A client checked out of a pool, guarded against the connection dying while it is held. */
export interface PooledClient {
  readonly client: pg.PoolClient;
  /** The first error the connection reported on its own (the server ended the session), if any. */
  readonly failure: Error | undefined;
  /** Returns the client; a connection that failed (or `error` says is gone) is closed instead of reused. */
  release(error?: Error): void;
}

/**
 * Checks out a client and listens for its `error` event: node-postgres emits one on a checked-out client
 * whose connection the server terminates, and with no listener that event would crash the process. The
 * query in flight rejects as well, which is where the caller handles it.
 */
export async function checkOutClient(pool: pg.Pool): Promise<PooledClient> {
  const client = await pool.connect();
  let failed: Error | undefined;
  const onError = (error: Error): void => {
    failed ??= error;
  };
  client.on("error", onError);
  return {
    client,
    get failure() {
      return failed;
    },
    release(error?: Error) {
      const reason = error ?? failed;
      // A client being destroyed can still report the server's goodbye later: keep listening to it then.
      if (reason === undefined) client.off("error", onError);
      client.release(reason);
    },
  };
}
