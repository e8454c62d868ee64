import { storageNodeRole } from "../storage-node/role";

/**
 * `zg agent <role>`: the agent roles this build can run. Each subsystem registers its agent here.
 */
export interface AgentRole {
  /** One line for `zg agent --help`. */
  summary: string;
  /** Starts the agent with its config file (if any) and environment; resolves once it is serving. */
  start(opts: { configFile?: string; env: NodeJS.ProcessEnv }): Promise<{ stop(): Promise<void> }>;
}

export const AGENT_ROLES: Record<string, AgentRole> = {
  "storage-node": storageNodeRole,
};
