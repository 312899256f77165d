// A case that allocates the given megabytes, reports, and exits.
import { caseInput, reportResult } from "../src/case-process.js";

const { megabytes } = caseInput<{ megabytes: number }>();
const block = Buffer.alloc(megabytes * 1024 * 1024, 1);
reportResult({ sum: block[block.length - 1] });
