import { execFile } from "node:child_process";
import { err, ok, type Result } from "@certs/result";

/** The user a command or the server runs as, when the process is root. */
export interface SystemUser {
  readonly uid: number;
  readonly gid: number;
  /** Its primary and supplementary groups: what decides which directory modes let it in. */
  readonly groups: readonly number[];
  /** Its login name, for messages; the uid when it has none. */
  readonly name: string;
}

/** Runs a command to completion (as `user` when given): its stdout, or its output as the error. */
export function runCommand(
  command: string,
  args: readonly string[],
  user: SystemUser | undefined,
): Promise<Result<string, string>> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        // Another user may not be able to enter this process's working directory.
        ...(user === undefined ? {} : { uid: user.uid, gid: user.gid, cwd: "/" }),
        env: { LC_ALL: "C", PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      },
      (error, stdout, stderr) => {
        if (error === null) resolve(ok(stdout));
        else resolve(err(`${`${stderr}`.trim() || error.message}`.split("\n").slice(-3).join(" | ")));
      },
    );
  });
}
