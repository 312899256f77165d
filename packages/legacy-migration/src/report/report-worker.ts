// The report's worker thread: writes the workbook from the batches of rows the migration's thread posts.
import { parentPort, workerData } from "node:worker_threads";
import {
  reportFailureOf,
  type ReportFailure,
  type ReportReply,
  type ReportRequest,
  type ReportWorkerStart,
} from "./report-messages.js";
import type { ReportWorkbook } from "./report-workbook.js";
import { TemporaryFile } from "./temporary-file.js";

const port = parentPort;
if (port === null) throw new Error("report-worker.ts runs only as a worker thread");
const reply = (message: ReportReply) => port.postMessage(message);

/** Answers the last request and lets the thread end. */
const done = (failure?: ReportFailure): void => {
  reply(failure === undefined ? { kind: "done" } : { kind: "done", failure });
  port.close();
};

let file: TemporaryFile | undefined;
const start = workerData as ReportWorkerStart;
try {
  file = await TemporaryFile.open(start.target, start.temporary);
} catch (error) {
  done(reportFailureOf(error));
}

if (file !== undefined) {
  const opened = file;
  // The file is there: the run may start while exceljs loads (about half a second), its rows wait for it.
  reply({ kind: "ready" });
  // A failure exceljs throws (not a stream error) ends the rows; `finish` reports it.
  let broken: unknown;
  let report: ReportWorkbook | undefined;
  let turn = import("./report-workbook.js").then(
    ({ ReportWorkbook }) => {
      report = ReportWorkbook.over(opened, start);
    },
    (error: unknown) => {
      broken = error;
    },
  );
  const handle = async (request: ReportRequest): Promise<void> => {
    if (request.kind === "rows") {
      if (report !== undefined && broken === undefined && !report.failed) {
        await report.add(request).catch((error: unknown) => {
          broken = error;
        });
      }
      const fileFailed = broken !== undefined || report?.failed !== false;
      reply({ kind: "written", rows: request.rows, fileFailed });
    } else if (request.kind === "finish" && report !== undefined && broken === undefined) {
      done(await report.finish(request.summary).then(() => undefined, reportFailureOf));
    } else {
      await (report?.discard() ?? opened.discard());
      done(request.kind === "finish" ? reportFailureOf(broken) : undefined);
    }
  };
  // One request at a time, in order.
  port.on("message", (request: ReportRequest) => {
    turn = turn.then(() => handle(request));
  });
}
