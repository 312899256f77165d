// An opt-in V8 CPU profile of a case process (NODE_OPTIONS may not carry --cpu-prof, so the inspector does it).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";

/**
 * When CERTS_BENCH_CPU_PROF_DIR names a directory, profiles this process until the returned function is
 * called, which writes `<label>-<pid>.cpuprofile` there (open it in Chrome DevTools or speedscope).
 */
export async function startCpuProfile(label: string): Promise<() => Promise<void>> {
  const directory = process.env["CERTS_BENCH_CPU_PROF_DIR"];
  if (directory === undefined || directory === "") return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(path.join(directory, `${label}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}
