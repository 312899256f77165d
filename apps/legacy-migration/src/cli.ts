import { Command } from "commander";
import packageJson from "../package.json" with { type: "json" };

const program = new Command()
  .name("certs-legacy-migrate")
  .description(packageJson.description)
  .version(packageJson.version)
  .addHelpText(
    "after",
    `
Examples:
  $ certs-legacy-migrate --help
  $ certs-legacy-migrate --version`,
  );

program.parse();
