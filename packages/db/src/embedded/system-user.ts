import { chmod, mkdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import { configurationError } from "./embedded-error.js";
import { runCommand, type SystemUser } from "./run-command.js";

const POSTGRES_USER = "postgres";

/** The system user `postgres`, created when missing: PostgreSQL will not run as root. */
export async function postgresSystemUser(): Promise<Result<SystemUser>> {
  const existing = await lookupUser(POSTGRES_USER);
  if (existing !== undefined) return ok(existing);
  const group = await runCommand("groupadd", ["--system", POSTGRES_USER], undefined);
  const user = group.ok
    ? await runCommand(
        "useradd",
        ["--system", "--gid", POSTGRES_USER, "--no-create-home", POSTGRES_USER],
        undefined,
      )
    : group;
  const created = await lookupUser(POSTGRES_USER);
  if (created !== undefined) return ok(created);
  return err(
    appError(
      ErrorCode.CONFIGURATION_ERROR,
      `PostgreSQL refuses to run as root and the system user '${POSTGRES_USER}' could not be created (${user.ok ? "unknown reason" : user.error}); create it or run as an ordinary user`,
    ),
  );
}

/** A user by name or uid, with its groups; undefined when the system does not know it. */
async function lookupUser(nameOrUid: string): Promise<SystemUser | undefined> {
  const [uid, gid, groups, name] = await Promise.all(
    ["-u", "-g", "-G", "-un"].map((flag) => runCommand("id", [flag, nameOrUid], undefined)),
  );
  if (!uid?.ok || !gid?.ok || !groups?.ok || !name?.ok) return undefined;
  return {
    uid: Number(uid.value.trim()),
    gid: Number(gid.value.trim()),
    groups: groups.value.trim().split(/\s+/).map(Number),
    name: name.value.trim(),
  };
}

/** As root, an existing cluster runs as whoever owns it (initdb never lets that be root). */
export async function clusterOwner(dataDir: string): Promise<Result<SystemUser>> {
  const info = await stat(dataDir);
  if (info.uid === 0) {
    return configurationError(
      `the embedded PostgreSQL data directory ${dataDir} is owned by root, and PostgreSQL will not run as root; give it to an ordinary user`,
      dataDir,
    );
  }
  const known = await lookupUser(String(info.uid));
  return ok(known ?? { uid: info.uid, gid: info.gid, groups: [info.gid], name: `uid ${info.uid}` });
}

/** How a message names the user the server runs as. */
export function describeUser(user: SystemUser): string {
  return user.name === `uid ${user.uid}`
    ? `the server's user (${user.name})`
    : `the ${user.name} user (uid ${user.uid})`;
}

/**
 * Why `user` cannot reach the existing directory `dir` (it needs search permission on `dir` and every
 * directory above it), or undefined when it can. Judged from the mode bits, as the kernel does.
 */
export async function whyUnreachable(user: SystemUser, dir: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (error) {
    return `${dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  const parts = real.split(path.sep).filter((part) => part !== "");
  const steps = [path.sep, ...parts.map((_, index) => path.sep + parts.slice(0, index + 1).join(path.sep))];
  for (const step of steps) {
    const info = await stat(step);
    const bits =
      info.uid === user.uid ? info.mode >> 6 : user.groups.includes(info.gid) ? info.mode >> 3 : info.mode;
    if ((bits & 0o1) === 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
      return `${describeUser(user)} cannot enter ${step} (mode ${mode})`;
    }
  }
  return undefined;
}

/**
 * Creates `dir` and its missing parents. With `mode`, each directory created here gets exactly that
 * mode, whatever the umask, so that the server's user can pass through them.
 */
export async function createDirectories(dir: string, mode?: number): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined || mode === undefined) return;
  const created = path
    .relative(first, dir)
    .split(path.sep)
    .filter((part) => part !== "");
  let current = first;
  await chmod(current, mode);
  for (const part of created) {
    current = path.join(current, part);
    await chmod(current, mode);
  }
}
