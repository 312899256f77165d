import { packageConfig } from "../../tsup.base.ts";

// Two entry points: the embedded server has its own, so consumers of the main one never need its binaries.
export default packageConfig(["src/index.ts", "src/embedded/index.ts"]);
