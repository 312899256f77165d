/** A database server the test tooling started, on 127.0.0.1. */
export interface ServerHandle {
  readonly kind: "mysql" | "postgres";
  readonly port: number;
  /** Directory holding the server's data, socket and logs; removed when the run ends. */
  readonly dir: string;
  /** URL of an account that may create and drop databases (no database selected). */
  readonly adminUrl: string;
  /** The server process id while it runs. */
  pid(): number | undefined;
  /** Starts it again on the same port and data (after stop or kill). */
  start(): Promise<void>;
  /** Clean shutdown. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
}
