import { appConfig } from "../../tsup.base.ts";

// The worker is its own entry: `serve` starts dist/sync-worker.js next to dist/cli.js.
export default appConfig(["src/cli.ts", "src/sync-worker.ts"]);
