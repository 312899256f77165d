import { packageConfig } from "../../tsup.base.ts";

// The signature worker is its own entry: the pool starts dist/verify/signature-worker.js by URL.
export default packageConfig(["src/index.ts", "src/testing/index.ts", "src/verify/signature-worker.ts"]);
