import { defineConfig, type Options } from "tsup";

/** Build settings shared by every publishable package: ESM with declarations, one file per entry point. */
export function packageConfig(entry: string[]): ReturnType<typeof defineConfig> {
  const options: Options = {
    entry,
    format: ["esm"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    splitting: true,
    treeshake: true,
  };
  return defineConfig(options);
}

/** Build settings for the command-line apps: one executable ESM file with a shebang. */
export function appConfig(entry: string[]): ReturnType<typeof defineConfig> {
  const options: Options = {
    entry,
    format: ["esm"],
    dts: false,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    banner: { js: "#!/usr/bin/env node" },
    // The shared app plumbing is private TypeScript: bundle it into each app.
    noExternal: ["@certs/app-kit"],
  };
  return defineConfig(options);
}
