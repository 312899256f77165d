import { Command } from "commander";
import packageJson from "../package.json" with { type: "json" };

const program = new Command()
  .name("certs-icao-sync")
  .description(packageJson.description)
  .version(packageJson.version)
  .addHelpText(
    "after",
    `
Examples:
  $ certs-icao-sync --help
  $ certs-icao-sync --version`,
  );

program.parse();
