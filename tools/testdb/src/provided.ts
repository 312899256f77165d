import "vitest";

/** Keys under which the global setup hands the servers to the test files (vitest `provide`/`inject`). */
export const SERVERS_KEY = "certsTestServers";
export const RUN_PREFIX_KEY = "certsTestRunPrefix";

/** Admin URLs of the run's servers. */
export interface ProvidedServers {
  readonly mysql: string;
  readonly postgres: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    certsTestServers: ProvidedServers;
    certsTestRunPrefix: string;
  }
}
