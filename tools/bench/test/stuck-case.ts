// A case that reports progress and then never finishes, as a job stuck in a lock wait would.
import { caseInput, reportOnStop, reportProgress } from "../src/case-process.js";

const { rows } = caseInput<{ rows: number }>();
reportOnStop(() => ({ rows, stopped: true }));
reportProgress({ rows });
setInterval(() => undefined, 1000);
