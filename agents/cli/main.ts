/**
 * `zg`: the project's command line. Every command has `--help`.
 */
import { Command } from "commander";
import { agentCommand } from "./commands/agent";
import { computeCommand } from "./commands/compute";
import { deployCommand } from "./commands/deploy";
import { devnetCommand } from "./commands/devnet";
import { stakeCommand } from "./commands/stake";
import { inftCommand } from "./commands/inft";
import { storageCommand } from "./commands/storage";

export function buildProgram(): Command {
  const program = new Command("zg")
    .description("0G decentralized AI operating system: local devnet, deployment, agents and user tools")
    .showHelpAfterError()
    .exitOverride((err) => process.exit(err.exitCode));
  program.addCommand(devnetCommand());
  program.addCommand(deployCommand());
  program.addCommand(agentCommand());
  program.addCommand(stakeCommand());
  program.addCommand(inftCommand());
  program.addCommand(computeCommand());
  program.addCommand(storageCommand());
  return program;
}

export function main(argv: string[] = process.argv): void {
  buildProgram()
    .parseAsync(argv)
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    });
}

if (require.main === module) main();
