import { oracleRole } from "../oracle/agent";
import { providerRole } from "../provider/role";
import { storageNodeRole } from "../storage-node/role";

/**
 * `zg agent <role>`: the agent roles this build can run. Each subsystem registers its agent here.
 */
import { stakingKeeperRole } from "../keepers/staking/role";

export interface AgentRole {
  /** One line for `zg agent --help`. */
  summary: string;
  /** Starts the agent with its config file (if any) and environment; resolves once it is serving. */
  start(opts: { configFile?: string; env: NodeJS.ProcessEnv }): Promise<{ stop(): Promise<void> }>;
}

export const AGENT_ROLES: Record<string, AgentRole> = {
  keeper: stakingKeeperRole,
  oracle: oracleRole,
  provider: providerRole,
  "storage-node": storageNodeRole,
};
