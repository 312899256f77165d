import { randomBytes } from "node:crypto";
import { chown, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { configurationError, messageOf } from "./embedded-error.js";
import { runCommand, type SystemUser } from "./run-command.js";
import { describeUser } from "./system-user.js";

/** The cluster's superuser, whose password @certs/db keeps beside the cluster. */
export const SUPERUSER = "postgres";
// Beside the cluster's own files: the superuser password chosen when the cluster was created.
const PASSWORD_FILE = "certs-password";

/** What a data directory holds: nothing yet (or it is missing), a cluster, or something else. */
export type DataDirState = "absent" | "cluster" | "not-a-cluster";

export async function dataDirState(dataDir: string): Promise<DataDirState> {
  try {
    await stat(path.join(dataDir, "PG_VERSION"));
    return "cluster";
  } catch {
    try {
      return (await readdir(dataDir)).length === 0 ? "absent" : "not-a-cluster";
    } catch {
      return "absent";
    }
  }
}

/**
 * Makes sure `dataDir` holds an initialised cluster (initdb runs as `owner` when given) and returns its
 * superuser password. A new cluster is built in a sibling directory and renamed into place, so an
 * interrupted first start leaves no half-made cluster behind, and of two processes initialising at once
 * one simply wins. The parent directory must exist.
 */
export async function prepareDataDir(
  dataDir: string,
  initdb: string,
  owner: SystemUser | undefined,
): Promise<Result<string>> {
  const state = await dataDirState(dataDir);
  if (state === "not-a-cluster") {
    return configurationError(
      `the embedded PostgreSQL data directory ${dataDir} is not empty and holds no PostgreSQL cluster; pass an empty or new --data-dir`,
      dataDir,
    );
  }
  if (state === "absent") {
    const staging = siblingOf(dataDir, "initialising");
    let failure: AppError | undefined;
    try {
      const initialised = await initialiseCluster(initdb, { staging, dataDir, owner });
      if (initialised.ok) await rename(staging, dataDir);
      else failure = initialised.error;
    } catch (error) {
      failure = appError(
        ErrorCode.FILE_ERROR,
        `could not create the embedded PostgreSQL data directory ${dataDir}: ${messageOf(error)}`,
        { cause: error, details: { dataDir } },
      );
    }
    if (failure !== undefined) {
      await rm(staging, { recursive: true, force: true }).catch(() => {});
      // Another process that finished initialising first is no failure: use its cluster.
      if ((await dataDirState(dataDir)) !== "cluster") return err(failure);
    }
  }
  try {
    const password = (await readFile(path.join(dataDir, PASSWORD_FILE), "utf8")).trim();
    if (password === "") throw new Error(`${PASSWORD_FILE} is empty`);
    return ok(password);
  } catch (error) {
    return configurationError(
      `the embedded PostgreSQL data directory ${dataDir} has no readable ${PASSWORD_FILE} file (it was not created by @certs/db, or belongs to another user); pass another --data-dir or a database URL`,
      dataDir,
      error,
    );
  }
}

/** A private name beside `dir`, for work in progress on its behalf. */
function siblingOf(dir: string, purpose: string): string {
  return path.join(path.dirname(dir), `.${path.basename(dir)}.${purpose}-${randomBytes(4).toString("hex")}`);
}

/** Runs initdb into `staging` (as `owner` when given), leaving the password file beside the cluster. */
async function initialiseCluster(
  initdb: string,
  target: { staging: string; dataDir: string; owner: SystemUser | undefined },
): Promise<Result<void>> {
  const { staging, dataDir, owner } = target;
  const password = randomBytes(18).toString("base64url");
  // initdb reads the password from a file, in a private directory beside the cluster that its owner can reach.
  const secretDir = siblingOf(dataDir, "password");
  const passwordFile = path.join(secretDir, "pw");
  try {
    await mkdir(secretDir, { mode: 0o700 });
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    await mkdir(staging, { mode: 0o700 });
    if (owner !== undefined) {
      for (const file of [secretDir, passwordFile, staging]) await chown(file, owner.uid, owner.gid);
    }
    const output = await runCommand(
      initdb,
      [
        `--pgdata=${staging}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C",
      ],
      owner,
    );
    if (!output.ok) {
      const who = owner === undefined ? "" : ` (initdb ran as ${describeUser(owner)})`;
      return err(
        appError(
          ErrorCode.DATABASE_ERROR,
          `could not initialise the embedded PostgreSQL data directory ${dataDir}${who}: ${output.error}`,
          { details: { dataDir } },
        ),
      );
    }
    const clusterPasswordFile = path.join(staging, PASSWORD_FILE);
    await writeFile(clusterPasswordFile, `${password}\n`, { mode: 0o600 });
    if (owner !== undefined) await chown(clusterPasswordFile, owner.uid, owner.gid);
    return ok(undefined);
  } finally {
    await rm(secretDir, { recursive: true, force: true });
  }
}
