import { Command } from "commander";
import { AGENT_ROLES } from "../roles";

export function agentCommand(): Command {
  const roles = Object.keys(AGENT_ROLES);
  return new Command("agent")
    .description("run one agent in the foreground until SIGINT/SIGTERM")
    .argument("<role>", `the agent role: ${roles.join(", ") || "(none registered)"}`)
    .option("-c, --config <file>", "config file (TOML or JSON); environment variables ZG_<ROLE>_<KEY> override it")
    .addHelpText(
      "after",
      `\nRoles:\n${roles.map((r) => `  ${r.padEnd(16)} ${AGENT_ROLES[r].summary}`).join("\n") || "  (none)"}`,
    )
    .action(async (role: string, o: { config?: string }) => {
      const spec = AGENT_ROLES[role];
      if (!spec) {
        console.error(`agent: unknown role "${role}"; known roles: ${roles.join(", ") || "(none)"}`);
        process.exit(2);
      }
      let running: { stop(): Promise<void> };
      try {
        running = await spec.start({ configFile: o.config, env: process.env });
      } catch (err) {
        console.error(`agent ${role}: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      }
      const stop = async (sig: NodeJS.Signals) => {
        await running.stop();
        process.exit(sig === "SIGINT" ? 130 : 0);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
