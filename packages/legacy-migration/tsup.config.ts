import { packageConfig } from "../../tsup.base.ts";

// The report's worker is its own entry: the report writer starts dist/report/report-worker.js by URL.
export default packageConfig(["src/index.ts", "src/testing/index.ts", "src/report/report-worker.ts"]);
