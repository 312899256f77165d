import { Command } from "commander";
import packageJson from "../package.json" with { type: "json" };

const program = new Command()
  .name("certs-ct-export")
  .description(packageJson.description)
  .version(packageJson.version)
  .addHelpText(
    "after",
    `
Examples:
  $ certs-ct-export --help
  $ certs-ct-export --version`,
  );

program.parse();
